import Foundation

/// What a job has used, read from its cgroup (or, once it ended, as kept in the store).
/// Counters are totals since the job started; `memoryBytes` and `pids` are "now".
public struct JobUsage: Sendable, Hashable {
    public var time: Date
    public var cpuSeconds: Double
    public var memoryBytes: Int64
    public var peakMemoryBytes: Int64
    public var ioReadBytes: Int64
    public var ioWriteBytes: Int64
    public var pids: Int

    public init(time: Date = Date(), cpuSeconds: Double = 0, memoryBytes: Int64 = 0, peakMemoryBytes: Int64 = 0,
                ioReadBytes: Int64 = 0, ioWriteBytes: Int64 = 0, pids: Int = 0) {
        self.time = time
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.peakMemoryBytes = peakMemoryBytes
        self.ioReadBytes = ioReadBytes
        self.ioWriteBytes = ioWriteBytes
        self.pids = pids
    }

    /// CPU use between two readings, as % of one core (a job using two cores shows 200).
    public func cpuPercent(since earlier: JobUsage?) -> Double {
        guard let earlier else { return 0 }
        let seconds = time.timeIntervalSince(earlier.time)
        guard seconds > 0.01, cpuSeconds >= earlier.cpuSeconds else { return 0 }
        return (cpuSeconds - earlier.cpuSeconds) / seconds * 100
    }
}

/// A backend that can read a running job's usage (the local backend, from the job's cgroup).
public protocol JobUsageSource: Sendable {
    /// nil when the job is not this backend's, or has no cgroup (not started, or ended).
    func usage(of job: Job) -> JobUsage?
}

/// A running job as /metrics lists it: no JSON columns decoded.
public struct ActiveJob: Sendable, Hashable {
    public var id: String
    public var backend: String
    public var status: JobStatus
    public init(id: String, backend: String, status: JobStatus) {
        self.id = id
        self.backend = backend
        self.status = status
    }
}

/// A backend that can read a job's CPU and memory cheaply by id (no stored state decoded), for
/// scrapes that cover every running job.
public protocol JobQuickUsageSource: Sendable {
    /// CPU seconds so far and memory bytes now; nil when the job is not this backend's or has no cgroup.
    func cpuAndMemory(ofJob id: String, backend: String) -> (cpuSeconds: Double, memoryBytes: Int64)?
    /// Lets go of whatever it keeps for jobs not in `ids` (the running ones).
    func keepCountersOnly(for ids: Set<String>)
}
