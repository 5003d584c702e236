/// Settings of the local backend.
public struct LocalJobRunnerConfig: Sendable {
    /// Who jobs run as unless their spec says otherwise.
    public var defaultUser: JobUser
    /// How long to keep SIGKILLing a cgroup's processes before giving up with an error.
    public var killTimeout: Duration
    /// The `joblet-init` executable; nil: `$JOBLET_INIT_PATH`, then next to the running executable.
    public var initPath: String?
    /// The seccomp profile every job's command runs under (`jobs.seccomp`).
    public var seccomp: SeccompProfile
    /// A job's output past this many bytes is discarded after one line saying so (`jobs.maxLogBytes`; 0: no cap).
    public var maxLogBytes: UInt64
    /// Each workspace's size limit in MB unless the spec says otherwise (`jobs.defaultWorkspaceMB`;
    /// 0: none). Needs the data directory on btrfs with quotas enabled (WorkspaceQuota.swift).
    public var defaultWorkspaceMB: Int = 0
    /// Job inits started ahead of their jobs on cgroup v1 (InitPool.swift; `jobs.warmInits`); 0: none.
    public var warmInits: Int = 0
    /// Whether warm inits have a network namespace of their own (issue 15): yes when most jobs get
    /// one (`jobs.defaultNetwork` other than `host`). A job of the other kind starts a fresh init.
    public var warmInitsHaveNetworkNamespace = true
    /// Network namespaces of ended `bridge` jobs kept per network for the next job on it
    /// (RecycledNamespaces.swift; `jobs.recycledNamespaces`); 0: every job's is made and torn down.
    public var recycledNamespaces: Int = 0

    public init(defaultUser: JobUser = .nobody, killTimeout: Duration = .seconds(5), initPath: String? = nil,
                seccomp: SeccompProfile = .default, maxLogBytes: UInt64 = 1 << 30) {
        self.maxLogBytes = maxLogBytes
        self.defaultUser = defaultUser
        self.killTimeout = killTimeout
        self.initPath = initPath
        self.seccomp = seccomp
    }

    /// Used when a job's environment has none, so the command and its shells find programs.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
