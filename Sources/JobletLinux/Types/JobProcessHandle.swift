/// What identifies a running local job across server restarts; store it whole (it is Codable)
/// and hand it back to `LocalJobRunner.adopt` after a restart.
public struct JobProcessHandle: Sendable, Hashable, Codable {
    public let jobID: String
    /// Host pid of the job's init (pid 1 inside the job's PID namespace).
    public let pid: Int32
    /// Field 22 of /proc/<pid>/stat (clock ticks since boot): tells our process from a reused pid.
    public let startTime: UInt64
    public let cgroup: JobCgroup
    public let jobDirectory: String
    /// argv[0], so an exec failure can be named after a restart.
    public let command: String
    /// For the OOM reason ("limit 64 MB").
    public let memoryLimitMB: Int?
    /// Things that were asked for but could not be applied (e.g. an I/O limit on overlayfs).
    public let warnings: [String]

    public init(jobID: String, pid: Int32, startTime: UInt64, cgroup: JobCgroup, jobDirectory: String,
                command: String, memoryLimitMB: Int?, warnings: [String]) {
        self.jobID = jobID
        self.pid = pid
        self.startTime = startTime
        self.cgroup = cgroup
        self.jobDirectory = jobDirectory
        self.command = command
        self.memoryLimitMB = memoryLimitMB
        self.warnings = warnings
    }
}

/// A job's cgroup, as a path relative to each hierarchy's root: "joblet/<jobid>".
public struct JobCgroup: Sendable, Hashable, Codable {
    public let relativePath: String
    public init(relativePath: String) { self.relativePath = relativePath }
}
