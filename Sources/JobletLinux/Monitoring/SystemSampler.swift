import Foundation
import Glibc
import Synchronization

/// Takes samples of the host and keeps the previous one's counters, so that usages and rates
/// cover the interval between two samples. It does nothing between calls: no thread, no timer.
///
/// Concurrency: the previous counters live behind one `Mutex`, taken only to swap them; the
/// reading itself happens outside it. Two callers sharing a sampler each get rates over the
/// interval since whichever sample came last; a stream keeps a sampler of its own.
public final class SystemSampler: Sendable {
    let fs: ProcFS
    let host: HostReader
    let cloud: CloudSnapshot
    private let previous = Mutex<Counters?>(nil)
    static let clockTicks = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
    static let pageSize = Int64(max(1, sysconf(Int32(_SC_PAGESIZE))))

    /// What the next sample's rates are computed against.
    struct Counters: Sendable {
        var time: ContinuousClock.Instant
        var cpu: ProcStatText
        var networks: [String: NetworkCounters]
        var disks: [String: DiskIOCounters]
        /// pid → (start ticks, cpu ticks): a reused pid has another start time.
        var processes: [Int32: (UInt64, UInt64)]
    }

    public init(fs: ProcFS = ProcFS()) {
        self.fs = fs
        self.host = HostReader(fs: fs)
        self.cloud = CloudDetector(fs: fs).detect()
    }

    /// A new sampler that shares this one's host facts but not its previous sample.
    public func fork() -> SystemSampler { SystemSampler(fs: fs, host: host, cloud: cloud) }

    private init(fs: ProcFS, host: HostReader, cloud: CloudSnapshot) {
        self.fs = fs
        self.host = host
        self.cloud = cloud
    }

    /// Reads counters now without producing a snapshot: the baseline a stream's first sample
    /// is measured against.
    public func prime(_ sections: MetricSections = .all) {
        _ = sample(sections)
    }

    public func sample(_ sections: MetricSections = .all) -> SystemSnapshot {
        let now = ContinuousClock.now
        let stat = ProcStatText.parse(fs.proc("stat") ?? "")
        let mem = MemInfoText.parse(fs.proc("meminfo") ?? "")
        let before = previous.withLock { $0 }
        let interval = before.map { Self.seconds(now - $0.time) } ?? 0

        var snap = SystemSnapshot(time: Date(), host: host.read(stat: stat, memory: mem), cpu: CPUSnapshot(),
                                  memory: MemorySnapshot(), disks: [], networks: [], io: IOSnapshot(),
                                  processes: ProcessesSnapshot(), cloud: CloudSnapshot(), intervalSeconds: interval)
        var next = Counters(time: now, cpu: stat, networks: before?.networks ?? [:], disks: before?.disks ?? [:],
                            processes: before?.processes ?? [:])
        if sections.contains(.cpu) { snap.cpu = cpu(stat, before: before?.cpu) }
        if sections.contains(.memory) { snap.memory = mem.snapshot }
        if sections.contains(.disk) { snap.disks = disks() }
        if sections.contains(.network) {
            let counters = NetDevText.parse(fs.proc("net/dev") ?? "")
            snap.networks = counters.map { name, c in
                var n = NetworkSnapshot(interface: name, counters: c)
                if let b = before?.networks[name], interval > 0 {
                    n.receiveRate = Self.rate(c.bytesReceived, b.bytesReceived, interval)
                    n.transmitRate = Self.rate(c.bytesSent, b.bytesSent, interval)
                }
                return n
            }
            next.networks = Dictionary(counters, uniquingKeysWith: { a, _ in a })
        }
        if sections.contains(.io) {
            let all = DiskStatsText.parse(fs.proc("diskstats") ?? "")
            let disks = DiskStatsText.wholeDisks(all, blockDevices: Set(fs.list("\(fs.sys)/block")))
            snap.io = io(disks, before: before?.disks, interval: interval)
            next.disks = Dictionary(disks.map { ($0.device, $0) }, uniquingKeysWith: { a, _ in a })
        }
        if sections.contains(.process) {
            let (p, ticks) = processes(stat: stat, memoryTotal: mem["MemTotal"], before: before?.processes, interval: interval)
            snap.processes = p
            next.processes = ticks
        }
        if sections.contains(.cloud) { snap.cloud = cloud }
        previous.withLock { $0 = next }
        return snap
    }

    func cpu(_ stat: ProcStatText, before: ProcStatText?) -> CPUSnapshot {
        var c = CPUSnapshot()
        c.cores = stat.perCore.isEmpty ? host.stable.cpuCount : stat.perCore.count
        let b = before?.total ?? CPUTicks()
        let total = Double(stat.total.total &- b.total)
        if total > 0, stat.total.total >= b.total {
            func share(_ now: UInt64, _ then: UInt64) -> Double { now >= then ? Double(now - then) * 100 / total : 0 }
            c.userPercent = share(stat.total.user &+ stat.total.nice, b.user &+ b.nice)
            c.systemPercent = share(stat.total.system &+ stat.total.irq &+ stat.total.softirq, b.system &+ b.irq &+ b.softirq)
            c.idlePercent = share(stat.total.idle, b.idle)
            c.ioWaitPercent = share(stat.total.iowait, b.iowait)
            c.stealPercent = share(stat.total.steal, b.steal)
        }
        c.usagePercent = ProcStatText.usage(stat.total, since: before?.total)
        c.perCoreUsagePercent = stat.perCore.enumerated().map { i, t in
            ProcStatText.usage(t, since: before.flatMap { i < $0.perCore.count ? $0.perCore[i] : nil })
        }
        if let load = fs.proc("loadavg")?.split(separator: " ").prefix(3) { c.loadAverage = load.compactMap { Double($0) } }
        return c
    }

    func disks() -> [DiskSnapshot] {
        MountTable.disks(MountTable.parse(fs.proc("self/mounts") ?? "")).compactMap { m in
            var st = statvfs()
            guard statvfs(m.mountPoint, &st) == 0, st.f_blocks > 0 else { return nil }
            let unit = Int64(st.f_frsize)
            var d = DiskSnapshot(device: m.device, mountPoint: m.mountPoint, filesystem: m.filesystem)
            d.totalBytes = Int64(st.f_blocks) * unit
            d.freeBytes = Int64(st.f_bavail) * unit
            d.usedBytes = (Int64(st.f_blocks) - Int64(st.f_bfree)) * unit
            // df's Use%: used over what a user could have (used + available to non-root).
            let usable = d.usedBytes + d.freeBytes
            d.usagePercent = usable > 0 ? Double(d.usedBytes) * 100 / Double(usable) : 0
            d.inodesTotal = Int64(st.f_files)
            d.inodesFree = Int64(st.f_ffree)
            d.inodesUsed = max(0, d.inodesTotal - d.inodesFree)
            d.inodesUsagePercent = d.inodesTotal > 0 ? Double(d.inodesUsed) * 100 / Double(d.inodesTotal) : 0
            return d
        }
    }

    func io(_ disks: [DiskIOCounters], before: [String: DiskIOCounters]?, interval: Double) -> IOSnapshot {
        var r = IOSnapshot()
        var readDelta: Int64 = 0, writeDelta: Int64 = 0
        for d in disks {
            r.totalReads += d.readsCompleted
            r.totalWrites += d.writesCompleted
            r.readBytes += d.readBytes
            r.writeBytes += d.writeBytes
            var s = DiskIOSnapshot(counters: d)
            if let b = before?[d.device], interval > 0 {
                readDelta += max(0, d.readBytes - b.readBytes)
                writeDelta += max(0, d.writeBytes - b.writeBytes)
                s.utilizationPercent = min(100, Double(max(0, d.ioTime - b.ioTime)) / (interval * 1000) * 100)
            }
            r.devices.append(s)
        }
        if interval > 0 {
            r.readRate = Double(readDelta) / interval
            r.writeRate = Double(writeDelta) / interval
        }
        return r
    }

    func processes(stat: ProcStatText, memoryTotal: Int64, before: [Int32: (UInt64, UInt64)]?,
                   interval: Double) -> (ProcessesSnapshot, [Int32: (UInt64, UInt64)]) {
        var r = ProcessesSnapshot()
        var ticks: [Int32: (UInt64, UInt64)] = [:]
        var rows: [(ProcessStatText, Double)] = []
        let uptime = fs.proc("uptime")?.split(separator: " ").first.flatMap { Double($0) } ?? 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        for pid in fs.pids() {
            guard let n = fs.read("\(fs.proc)/\(pid)/stat", into: &buffer),
                  let p = buffer.withUnsafeBufferPointer({ ProcessStatText.parse(bytes: UnsafeBufferPointer(rebasing: $0[..<n])) })
            else { continue }
            r.total += 1
            r.threads += p.threads
            switch p.state {
            case "R": r.running += 1
            case "S", "D", "I": r.sleeping += 1
            case "T", "t": r.stopped += 1
            case "Z": r.zombie += 1
            default: break
            }
            ticks[pid] = (p.startTicks, p.cpuTicks)
            var percent: Double
            if let (start, old) = before?[pid], start == p.startTicks, interval > 0 {
                percent = Double(p.cpuTicks &- min(old, p.cpuTicks)) / Self.clockTicks / interval * 100
            } else {
                // New since the last sample (or no sample yet): its average over its lifetime.
                let age = uptime - Double(p.startTicks) / Self.clockTicks
                percent = age > 0 ? Double(p.cpuTicks) / Self.clockTicks / age * 100 : 0
            }
            rows.append((p, percent))
        }
        let users = LazyUsers(fs: fs)
        func info(_ row: (ProcessStatText, Double)) -> ProcessSnapshot {
            let (p, cpu) = row
            var s = ProcessSnapshot(pid: p.pid, ppid: p.ppid, name: p.name)
            s.cpuPercent = cpu
            s.memoryBytes = p.rssPages * Self.pageSize
            s.memoryPercent = memoryTotal > 0 ? Double(s.memoryBytes) * 100 / Double(memoryTotal) : 0
            s.status = p.statusName
            s.startTime = Date(timeIntervalSince1970: TimeInterval(stat.bootTime) + Double(p.startTicks) / Self.clockTicks)
            s.command = commandLine(p.pid) ?? "[\(p.name)]"
            s.user = fs.owner(pid: p.pid).map { users.name($0) } ?? ""
            return s
        }
        r.topByCPU = rows.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.pid < $1.0.pid }.prefix(10).map(info)
        r.topByMemory = rows.sorted { $0.0.rssPages != $1.0.rssPages ? $0.0.rssPages > $1.0.rssPages : $0.0.pid < $1.0.pid }
            .prefix(10).map(info)
        return (r, ticks)
    }

    /// argv joined with spaces; nil for kernel threads (empty cmdline).
    func commandLine(_ pid: Int32) -> String? {
        guard let raw = fs.proc("\(pid)/cmdline"), !raw.isEmpty else { return nil }
        let parts = raw.split(separator: "\0", omittingEmptySubsequences: true)
        let line = parts.joined(separator: " ")
        return line.count > 512 ? String(line.prefix(512)) + "…" : line
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func rate(_ now: Int64, _ then: Int64, _ interval: Double) -> Double {
        now >= then && interval > 0 ? Double(now - then) / interval : 0
    }
}

/// /etc/passwd, read the first time a name is needed, once per sample.
final class LazyUsers {
    let fs: ProcFS
    private var table: [UInt32: String]?

    init(fs: ProcFS) { self.fs = fs }

    func name(_ uid: UInt32) -> String {
        if table == nil { table = PasswdText.parse(fs.read("\(fs.etc)/passwd") ?? "") }
        return table?[uid] ?? String(uid)
    }
}
