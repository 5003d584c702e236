/// Everything the local backend needs to start one job. JobletCore's job record maps onto this
/// in an adapter; JobletLinux itself knows nothing of JobletCore's types.
public struct JobLaunchSpec: Sendable {
    /// The job's id (a UUID string); its first 8 characters become the job's hostname.
    public var jobID: String
    public var command: String
    public var arguments: [String]
    /// The job's whole environment; `PATH` is added when missing, nothing else is inherited.
    public var environment: [String: String]
    /// Where the command starts, relative to `/work` ("" is `/work` itself).
    public var workDirectory: String
    /// A host directory owned by the runner for this job: `workspace/` (mounted at `/work`),
    /// `rootfs/` (an empty mount point) and `exit-status` live there. Created when missing.
    public var jobDirectory: String
    /// The job's log file on the host; stdout and stderr are appended to it directly.
    public var logPath: String
    public var limits: CgroupLimits
    /// Written into the workspace before the job starts.
    public var uploads: [WorkspaceUpload]
    /// Who the command runs as; nil means the runner's default (nobody).
    public var user: JobUser?
    /// The workspace's size limit in MB (a btrfs subvolume with a qgroup limit); nil: the runner's
    /// `defaultWorkspaceMB`; 0: none.
    public var workspaceMB: Int? = nil
    /// Bind mounts into the job's root (volumes, runtime trees), in order: a later target may lie
    /// inside an earlier one. At most `CJobletLinux_MaxMounts`.
    public var mounts: [JobMount] = []
    /// The job's network (issue 15); `.host` keeps the server's.
    public var network: JobNetworkSetup = .host
    /// A runtime's builder sandbox (runtimes issue): the system directories are overlays of the
    /// host's with a throwaway upper layer and / is writable, so setup.sh may write anywhere in
    /// its view while nothing reaches the host; only `mounts` marked writable keep what it writes.
    public var builderRoot = false

    public init(jobID: String, command: String, arguments: [String] = [], environment: [String: String] = [:],
                workDirectory: String = "", jobDirectory: String, logPath: String,
                limits: CgroupLimits = CgroupLimits(), uploads: [WorkspaceUpload] = [], user: JobUser? = nil) {
        self.jobID = jobID
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.workDirectory = workDirectory
        self.jobDirectory = jobDirectory
        self.logPath = logPath
        self.limits = limits
        self.uploads = uploads
        self.user = user
    }

    /// The UTS hostname inside the job.
    public var shortID: String { String(jobID.prefix(8)) }
}

/// A uid/gid pair; supplementary groups are always dropped.
public struct JobUser: Sendable, Hashable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }
    public static let nobody = JobUser(uid: 65534, gid: 65534)
}
