import Foundation

/// One sample of the host, as the monitoring readers fill it. Counters are totals since boot;
/// usages and rates are over the interval since the sampler's previous sample.
public struct SystemSnapshot: Sendable {
    public var time: Date
    public var host: HostSnapshot
    public var cpu: CPUSnapshot
    public var memory: MemorySnapshot
    public var disks: [DiskSnapshot]
    public var networks: [NetworkSnapshot]
    public var io: IOSnapshot
    public var processes: ProcessesSnapshot
    public var cloud: CloudSnapshot
    /// Seconds since the previous sample the rates and usages are over (0: since boot).
    public var intervalSeconds: Double
}

public struct HostSnapshot: Sendable {
    public var hostname = ""
    public var os = ""                 // "Linux"
    public var platform = ""           // os-release ID, "debian"
    public var platformFamily = ""     // os-release ID_LIKE, or ID
    public var platformVersion = ""    // os-release VERSION_ID
    public var kernelVersion = ""      // uname -r
    public var kernelArch = ""         // uname -m
    public var architecture = ""       // GOARCH-style name: amd64, arm64
    public var cpuCount = 0
    public var totalMemoryBytes: Int64 = 0
    public var bootTime = Date(timeIntervalSince1970: 0)
    public var uptimeSeconds: Int64 = 0
    public var addresses: [String] = []
    public var macAddresses: [String] = []
}

public struct CPUSnapshot: Sendable {
    public var cores = 0
    /// Busy share of all cores over the interval, 0-100.
    public var usagePercent = 0.0
    /// Shares of the interval, 0-100.
    public var userPercent = 0.0, systemPercent = 0.0, idlePercent = 0.0, ioWaitPercent = 0.0, stealPercent = 0.0
    public var loadAverage: [Double] = []
    public var perCoreUsagePercent: [Double] = []
}

public struct MemorySnapshot: Sendable {
    public var totalBytes: Int64 = 0, usedBytes: Int64 = 0, freeBytes: Int64 = 0, availableBytes: Int64 = 0
    public var usagePercent = 0.0
    public var cachedBytes: Int64 = 0, bufferedBytes: Int64 = 0
    public var swapTotalBytes: Int64 = 0, swapUsedBytes: Int64 = 0, swapFreeBytes: Int64 = 0
}

public struct DiskSnapshot: Sendable {
    public var device = "", mountPoint = "", filesystem = ""
    public var totalBytes: Int64 = 0, usedBytes: Int64 = 0, freeBytes: Int64 = 0
    public var usagePercent = 0.0
    public var inodesTotal: Int64 = 0, inodesUsed: Int64 = 0, inodesFree: Int64 = 0
    public var inodesUsagePercent = 0.0
}

public struct NetworkSnapshot: Sendable {
    public var interface = ""
    public var counters = NetworkCounters()
    /// Bytes per second over the interval.
    public var receiveRate = 0.0, transmitRate = 0.0
}

public struct IOSnapshot: Sendable {
    public var totalReads: Int64 = 0, totalWrites: Int64 = 0, readBytes: Int64 = 0, writeBytes: Int64 = 0
    /// Bytes per second over the interval.
    public var readRate = 0.0, writeRate = 0.0
    public var devices: [DiskIOSnapshot] = []
}

public struct DiskIOSnapshot: Sendable {
    public var counters = DiskIOCounters()
    /// Share of the interval the device was busy, 0-100.
    public var utilizationPercent = 0.0
}

public struct ProcessesSnapshot: Sendable {
    public var total = 0, running = 0, sleeping = 0, stopped = 0, zombie = 0, threads = 0
    public var topByCPU: [ProcessSnapshot] = []
    public var topByMemory: [ProcessSnapshot] = []
}

public struct ProcessSnapshot: Sendable {
    public var pid: Int32 = 0, ppid: Int32 = 0
    public var name = "", command = "", user = "", status = ""
    /// Of one core over the interval (a process using two cores shows 200).
    public var cpuPercent = 0.0
    public var memoryPercent = 0.0
    public var memoryBytes: Int64 = 0
    public var startTime = Date(timeIntervalSince1970: 0)
}

public struct CloudSnapshot: Sendable {
    /// "aws", "gcp", "azure", "digitalocean", "openstack", "kvm"…, or "" when nothing says.
    public var provider = ""
    public var region = "", zone = "", instanceID = "", instanceType = "", hypervisor = ""
    public var metadata: [String: String] = [:]
}

/// Which parts a sample includes (StreamMetricsReq.metricTypes); host is always there.
public struct MetricSections: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let cpu = MetricSections(rawValue: 1)
    public static let memory = MetricSections(rawValue: 2)
    public static let disk = MetricSections(rawValue: 4)
    public static let network = MetricSections(rawValue: 8)
    public static let io = MetricSections(rawValue: 16)
    public static let process = MetricSections(rawValue: 32)
    public static let cloud = MetricSections(rawValue: 64)
    public static let all: MetricSections = [.cpu, .memory, .disk, .network, .io, .process, .cloud]

    public static let names: [(String, MetricSections)] = [("cpu", .cpu), ("memory", .memory), ("disk", .disk),
                                                          ("network", .network), ("io", .io), ("process", .process),
                                                          ("cloud", .cloud)]

    /// Parses metric type names ("disks" and "processes" too); an unknown one is an error naming it.
    public static func parse(_ names: [String]) -> Result<MetricSections, UnknownMetricType> {
        if names.isEmpty { return .success(.all) }
        var s: MetricSections = []
        for raw in names {
            let name = raw.lowercased().trimmingCharacters(in: .whitespaces)
            let singular = name == "processes" ? "process" : (name.hasSuffix("s") ? String(name.dropLast()) : name)
            guard let hit = Self.names.first(where: { $0.0 == name || $0.0 == singular }) else {
                return .failure(UnknownMetricType(name: raw))
            }
            s.insert(hit.1)
        }
        return .success(s)
    }
}

public struct UnknownMetricType: Error, Sendable {
    public let name: String
}
