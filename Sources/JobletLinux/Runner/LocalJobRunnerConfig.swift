/// Settings of the local backend.
public struct LocalJobRunnerConfig: Sendable {
    /// Who jobs run as unless their spec says otherwise.
    public var defaultUser: JobUser
    /// How long to keep SIGKILLing a cgroup's processes before giving up with an error.
    public var killTimeout: Duration

    public init(defaultUser: JobUser = .nobody, killTimeout: Duration = .seconds(5)) {
        self.defaultUser = defaultUser
        self.killTimeout = killTimeout
    }

    /// Used when a job's environment has none, so the command and its shells find programs.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
