/// How a job ended.
public struct JobExit: Sendable, Hashable, Codable {
    /// The command's exit code; 128+n for death by signal n; 127 when the command was not found;
    /// -1 when it cannot be known (the job ended while no server watched and left no status).
    public var exitCode: Int32
    /// The signal that killed the command, if one did.
    public var signal: Int32?
    public var oomKilled: Bool
    /// True when it ended because `stop` was called.
    public var stopped: Bool
    /// Empty for exit 0; otherwise says why, e.g. `killed by signal 9 (SIGKILL)`.
    public var reason: String
    public var usage: JobResourceUsage

    public init(exitCode: Int32, signal: Int32? = nil, oomKilled: Bool = false, stopped: Bool = false,
                reason: String = "", usage: JobResourceUsage = JobResourceUsage()) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.stopped = stopped
        self.reason = reason
        self.usage = usage
    }
}

/// Counters read from the job's cgroup just before it is removed.
public struct JobResourceUsage: Sendable, Hashable, Codable {
    public var cpuNanoseconds: UInt64?
    public var peakMemoryBytes: UInt64?
    public var oomKills: UInt64
    /// How often a fork hit the pids limit.
    public var pidsLimitHits: UInt64?
    /// Memory charged to the cgroup now; bytes read and written on block devices; tasks now.
    public var memoryBytes: UInt64?
    public var ioReadBytes: UInt64?
    public var ioWriteBytes: UInt64?
    public var pids: UInt64?

    public init(cpuNanoseconds: UInt64? = nil, peakMemoryBytes: UInt64? = nil, oomKills: UInt64 = 0,
                pidsLimitHits: UInt64? = nil) {
        self.cpuNanoseconds = cpuNanoseconds
        self.peakMemoryBytes = peakMemoryBytes
        self.oomKills = oomKills
        self.pidsLimitHits = pidsLimitHits
    }
}
