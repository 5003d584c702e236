/// Errors a caller of the local backend can see; each names the thing and, where it helps, the fix.
public enum LocalJobError: Error, CustomStringConvertible, Sendable {
    /// The spec itself is wrong (empty command, bad job id, bad limit).
    case invalidSpec(String)
    /// An upload path escapes the workspace or collides; nothing was written.
    case uploadRejected(path: String, reason: String)
    /// The host has no usable cgroup hierarchy, or a cgroup file could not be written.
    case cgroup(String)
    /// The job's process could not be set up (namespaces, mounts, cgroup join).
    case spawnFailed(String)
    /// A warm init died before it held the job's spec (killed from outside): nothing of the job
    /// ran, and the launch is retried with a fresh init.
    case initLost(String)
    case system(LinuxError)

    public var description: String {
        switch self {
        case .invalidSpec(let why): return "invalid job: \(why)"
        case .uploadRejected(let path, let why): return "upload \(path) rejected: \(why)"
        case .cgroup(let why): return "cgroup: \(why)"
        case .spawnFailed(let why): return "could not start job: \(why)"
        case .initLost(let why): return "could not start job: \(why)"
        case .system(let error): return error.description
        }
    }
}
