import Foundation
import JobletCore
import RPC
import TLS
import Yams

/// Everything jobletd is configured with. Precedence: flags, then the YAML file, then these defaults.
public struct DaemonConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 50051
    public var certsDirectory = "./certs"
    public var dataDirectory = "./data"
    public var enableInteropTesting = false
    public var maxReceiveMessageSize = 4 * 1024 * 1024
    /// RunJob, RunWorkflow and InstallRuntimeFromLocal carry uploads: their messages may be this large.
    public var maxUploadMessageSize = 256 * 1024 * 1024
    /// All upload messages in flight together may hold at most this much memory.
    public var uploadMemoryBudget = 1024 * 1024 * 1024
    public var eventLoops = 0            // 0: one per core
    /// Polls before a busy event loop blocks (`ServerConfiguration.eventLoopSpinPolls`); 0: never.
    public var eventLoopSpinPolls = EventLoopGroup.defaultSpinPolls
    public var drainTimeoutSeconds = 10.0
    /// Events held for one WatchJobs caller that reads too slowly before its watch ends with
    /// RESOURCE_EXHAUSTED (`server.watchBacklog`).
    public var watchBacklog = 10_000
    public var logLevel = "info"
    /// TLS 1.3 cipher suites in the server's order of preference (OpenSSL's colon-separated names).
    public var tlsCipherSuites = TLSConfiguration.defaultCipherSuites
    /// Limits a job gets when its request leaves them 0 (Joblet's defaults: 100 %, 512 MB, unlimited I/O).
    public var jobDefaults = ResourceLimits(maxCPU: 100, maxMemoryMB: 512, maxIOBPS: 0, maxPIDs: 1024)
    /// StopJob: SIGTERM, this long, then SIGKILL to whatever is left in the job's cgroup.
    public var stopGraceMilliseconds = 100
    /// The local jobs' init program; nil: `$JOBLET_INIT_PATH`, then next to the jobletd executable.
    public var jobInitPath: String?
    /// `--metrics-address` / `server.metricsAddress`: where GET /metrics is served (plain HTTP);
    /// nil: nowhere, and no metrics are kept.
    public var metricsAddress: (host: String, port: Int)? {
        get { metricsHost.map { ($0, metricsPort) } }
        set { metricsHost = newValue?.host; metricsPort = newValue?.port ?? 0 }
    }
    var metricsHost: String?
    var metricsPort = 0
    /// Sandbox (issue 16): the jobs' seccomp profile, "default" or "unconfined" (`jobs.seccomp`).
    public var jobSeccomp = "default"
    /// Sandbox (issue 16): RunJob refuses below this much free space in the data directory (`server.minFreeDiskMB`).
    public var minFreeDiskMB = 256
    /// Sandbox (issue 16): a local job's output past this many bytes is discarded (`jobs.maxLogBytes`; 0: no cap).
    public var jobMaxLogBytes: UInt64 = 1 << 30
    /// Sandbox (issue 16): one uid per local job from `jobFirstUID` on, `jobUIDCount` of them
    /// (`jobs.firstUID`, `jobs.uidCount`); firstUID 0: every job runs as nobody (65534).
    public var jobFirstUID: UInt32 = 200_000
    public var jobUIDCount: UInt32 = 65_536
    /// Sandbox (issue 16): each local job's workspace limit in MB (`jobs.defaultWorkspaceMB`; 0: none;
    /// needs the data directory on btrfs with quotas enabled).
    public var jobDefaultWorkspaceMB = 0
    /// Sandbox (issue 16): job inits started ahead of their jobs on cgroup v1 (`jobs.warmInits`; 0: none).
    public var jobWarmInits = 2
    /// Networks (issue 15): network namespaces of ended jobs kept per network for the next job on it
    /// (`jobs.recycledNamespaces`; 0: each job's is made and torn down).
    public var jobRecycledNamespaces = 32
    /// Networks (issue 15): `jobs.defaultNetwork`, `jobs.allowHostNetwork`, `jobs.bridgeCIDR`, `jobs.isolatedCIDR`.
    public var networks = NetworkSettings()
    /// Where GPU jobs go (`skypilot:` in YAML, `--skypilot-endpoint`, `JOBLET_SKYPILOT_ENDPOINT`).
    public var skypilot = SkyPilotSettings()
    /// Workflow jobs being launched at once (`workflows.maxConcurrentLaunches`); more wait their turn.
    public var workflowMaxConcurrentLaunches = 16
    /// Runtimes (docs/runtimes.md): where they live (nil: `<data>/runtimes`), where GitHub
    /// sources come from, and the limits of a download and of a setup.sh run.
    public var runtimes = RuntimeSettings()

    /// A SkyPilot API server, as configured; nil endpoint means no GPU backend.
    public struct SkyPilotSettings: Sendable, Equatable, Decodable {
        public var endpoint: String?
        /// A service-account token (`sky_…`), sent as a bearer token.
        public var token: String?
        public var username: String?
        public var password: String?
        public var pollIntervalSeconds: Double?
        public var maxPollIntervalSeconds: Double?
        public var requestTimeoutSeconds: Double?
        public var defaultAccelerator: String?
        /// An https endpoint's CA certificates (PEM); unset: the system's CA store.
        public var caFile: String?
        /// Training (issue 19): a bucket URL (s3://bucket/prefix, gs://…) that SkyPilot tasks mount
        /// for their artifacts, one folder per job.
        public var artifactStore: String?

        public init() {}

        /// `JOBLET_SKYPILOT_ENDPOINT` / `JOBLET_SKYPILOT_TOKEN` fill what the file left empty.
        public mutating func apply(environment: [String: String]) {
            if endpoint == nil, let e = environment["JOBLET_SKYPILOT_ENDPOINT"], !e.isEmpty { endpoint = e }
            if token == nil, let t = environment["JOBLET_SKYPILOT_TOKEN"], !t.isEmpty { token = t }
        }
    }

    public init() {}

    /// The log levels jobletd accepts (`--log-level`, `server.logLevel`).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `level` if it is one of `logLevels`; otherwise an error naming the choices.
    public static func checkLogLevel(_ level: String, source: String) throws -> String {
        guard logLevels.contains(level) else {
            throw ConfigurationError("\(source) '\(level)' is not a log level: use one of \(logLevels.joined(separator: ", "))")
        }
        return level
    }

    /// Parses `HOST:PORT`, `[v6]:PORT` or `:PORT`.
    public static func parseAddress(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigurationError("address '\(text)' must be HOST:PORT, e.g. 127.0.0.1:50051")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ConfigurationError("address '\(text)': port must be a number 0-65535")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// `parseAddress` for a setting of the file at `path`: its refusal names the file and the key.
    static func parseAddress(_ text: String, setting: String, path: String) throws -> (String, Int) {
        do {
            return try parseAddress(text)
        } catch {
            throw ConfigurationError("config \(path): \(setting): \(error)")
        }
    }

    /// Applies a YAML file's settings (only the keys it names).
    public mutating func load(yamlFile path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read config \(path): \(error.localizedDescription)")
        }
        // A file of only comments holds no document: it sets nothing, like an empty one.
        let hasDocument = try ConfigFileChecker(path: path).check(text)
        let file: ConfigFile
        do {
            file = try YAMLDecoder().decode(ConfigFile.self, from: hasDocument ? text : "{}")
        } catch {
            throw ConfigurationError("config \(path) is not valid: \(error)")
        }
        if let s = file.server {
            if let a = s.address { (host, port) = try Self.parseAddress(a, setting: "server.address", path: path) }
            if let c = s.certs { certsDirectory = c }
            if let d = s.data { dataDirectory = d }
            if let m = s.maxReceiveMessageSize { maxReceiveMessageSize = m }
            if let m = s.maxUploadMessageSize {
                guard m >= maxReceiveMessageSize, m <= Int(UInt32.max) else {
                    throw ConfigurationError("config \(path): server.maxUploadMessageSize must be between "
                                             + "server.maxReceiveMessageSize (\(maxReceiveMessageSize)) and \(UInt32.max), got \(m)")
                }
                maxUploadMessageSize = m
            }
            if let m = s.uploadMemoryBudget {
                guard m > 0 else { throw ConfigurationError("config \(path): server.uploadMemoryBudget must be > 0, got \(m)") }
                uploadMemoryBudget = m
            }
            if let e = s.eventLoops { eventLoops = e }
            if let p = s.eventLoopSpinPolls {
                guard (0...100_000).contains(p) else {
                    throw ConfigurationError("config \(path): server.eventLoopSpinPolls must be 0...100000, got \(p)")
                }
                eventLoopSpinPolls = p
            }
            if let t = s.drainTimeoutSeconds { drainTimeoutSeconds = t }
            if let w = s.watchBacklog {
                guard w >= 16 else { throw ConfigurationError("config \(path): server.watchBacklog must be at least 16, got \(w)") }
                watchBacklog = w
            }
            if let m = s.metricsAddress { metricsAddress = try Self.parseAddress(m, setting: "server.metricsAddress", path: path) }
            if let i = s.enableInteropTesting { enableInteropTesting = i }
            if let l = s.logLevel { logLevel = l }
            if let c = s.tlsCipherSuites {
                do {
                    try TLSConfiguration.checkCipherSuites(c)
                } catch {
                    throw ConfigurationError("config \(path): server.tlsCipherSuites: \(error)")
                }
                tlsCipherSuites = c
            }
        }
        guard uploadMemoryBudget >= maxUploadMessageSize else {
            throw ConfigurationError("config \(path): server.uploadMemoryBudget (\(uploadMemoryBudget)) is smaller than "
                                     + "server.maxUploadMessageSize (\(maxUploadMessageSize)): no upload that large could ever fit")
        }
        if let sky = file.skypilot { skypilot = sky }
        if let r = file.runtimes { try runtimes.apply(r, path: path) }
        if let v = file.workflows?.maxConcurrentLaunches {
            guard v >= 1 else { throw ConfigurationError("config \(path): workflows.maxConcurrentLaunches must be at least 1") }
            workflowMaxConcurrentLaunches = v
        }
        if let j = file.jobs {
            if let v = j.defaultMaxCPU { jobDefaults.maxCPU = v }
            if let v = j.defaultMaxMemoryMB { jobDefaults.maxMemoryMB = v }
            if let v = j.defaultMaxIOBPS { jobDefaults.maxIOBPS = v }
            if let v = j.defaultMaxPIDs { jobDefaults.maxPIDs = v }
            if let v = j.stopGraceMilliseconds { stopGraceMilliseconds = v }
            if let v = j.initPath { jobInitPath = v }
            if let v = j.seccomp {
                guard ["default", "unconfined"].contains(v) else {
                    throw ConfigurationError("config \(path): jobs.seccomp must be 'default' or 'unconfined', got '\(v)'")
                }
                jobSeccomp = v
            }
            if let v = j.firstUID {
                guard v == 0 || (1000...4_000_000_000).contains(v) else {
                    throw ConfigurationError("config \(path): jobs.firstUID must be 0 (all jobs as nobody) or 1000...4000000000, got \(v)")
                }
                jobFirstUID = UInt32(v)
            }
            if let v = j.uidCount {
                guard (1...16_777_216).contains(v) else { throw ConfigurationError("config \(path): jobs.uidCount must be 1...16777216, got \(v)") }
                jobUIDCount = UInt32(v)
            }
            if let v = j.defaultWorkspaceMB {
                guard v >= 0 else { throw ConfigurationError("config \(path): jobs.defaultWorkspaceMB must be >= 0 (0: no limit), got \(v)") }
                jobDefaultWorkspaceMB = v
            }
            if let v = j.warmInits {
                guard (0...64).contains(v) else { throw ConfigurationError("config \(path): jobs.warmInits must be 0...64, got \(v)") }
                jobWarmInits = v
            }
            if let v = j.recycledNamespaces {
                guard (0...1024).contains(v) else { throw ConfigurationError("config \(path): jobs.recycledNamespaces must be 0...1024, got \(v)") }
                jobRecycledNamespaces = v
            }
            try applyNetworkSettings(j, path: path)  // networks (issue 15)
            if let v = j.maxLogBytes {
                guard v >= 0 else { throw ConfigurationError("config \(path): jobs.maxLogBytes must be >= 0 (0: no cap), got \(v)") }
                jobMaxLogBytes = UInt64(v)
            }
        }
        if let v = file.server?.minFreeDiskMB {
            guard v >= 0 else { throw ConfigurationError("config \(path): server.minFreeDiskMB must be >= 0, got \(v)") }
            minFreeDiskMB = v
        }
    }

    struct ConfigFile: Decodable {
        struct Server: Decodable {
            var address: String?
            var certs: String?
            var data: String?
            var maxReceiveMessageSize: Int?
            var maxUploadMessageSize: Int?
            var uploadMemoryBudget: Int?
            var eventLoops: Int?
            var eventLoopSpinPolls: Int?
            var drainTimeoutSeconds: Double?
            var watchBacklog: Int?
            var enableInteropTesting: Bool?
            var logLevel: String?
            var tlsCipherSuites: String?
            var metricsAddress: String?
            var minFreeDiskMB: Int?  // sandbox (issue 16)
        }
        struct Jobs: Decodable {
            var defaultMaxCPU: Int?
            var defaultMaxMemoryMB: Int?
            var defaultMaxIOBPS: Int?
            var defaultMaxPIDs: Int?
            var stopGraceMilliseconds: Int?
            var initPath: String?
            var seccomp: String?  // sandbox (issue 16)
            var maxLogBytes: Int64?  // sandbox (issue 16)
            var firstUID: Int64?  // sandbox (issue 16)
            var uidCount: Int64?  // sandbox (issue 16)
            var defaultWorkspaceMB: Int?  // sandbox (issue 16)
            var warmInits: Int?  // sandbox (issue 16)
            var recycledNamespaces: Int?  // networks (issue 15)
            var defaultNetwork: String?  // networks (issue 15)
            var allowHostNetwork: Bool?
            var bridgeCIDR: String?
            var isolatedCIDR: String?
        }
        var server: Server?
        var jobs: Jobs?
        var skypilot: SkyPilotSettings?
        struct Workflows: Decodable {
            var maxConcurrentLaunches: Int?
        }
        var workflows: Workflows?
        var runtimes: RuntimeSettings.File?
    }
}

/// A configuration problem, reported as one line and a non-zero exit.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
