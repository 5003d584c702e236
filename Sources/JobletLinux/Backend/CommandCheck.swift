import Glibc
import JobletCore

/// Whether a local job's command can exist when it starts, checked at RunJob so that a typo is
/// refused there (INVALID_ARGUMENT) rather than becoming a FAILED job. A job sees the host's
/// system directories read-only and its uploads under /work; nothing else exists at its start.
struct CommandCheck {
    /// The directories a job's root shows from the host (init.c's `system_dirs`).
    static let systemDirectories: Set<String> = ["usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin", "etc"]
    static let workspace = JobRequestValidator.workspaceMountPoint

    let request: JobRequest
    let defaultPath: String
    /// A runtime's mounts (runtimes issue): a command may come from one of them.
    var mounts: [JobMount] = []

    /// nil when the command may be found; else the refusal.
    func refusal() -> JobletError? {
        let command = request.command
        if command.contains("/") {
            guard exists(resolving(command)) else {
                return .invalidArgument("command '\(command)' does not exist in the job: it sees the host's "
                                        + "/usr, /bin, /sbin, /lib and /etc, and its uploads under /work")
            }
            return nil
        }
        let path = request.environment["PATH"] ?? defaultPath
        let directories = path.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        if directories.contains(where: { exists($0 + "/" + command) }) { return nil }
        return .invalidArgument("command '\(command)' was not found in the job's PATH (\(path)); "
                                + "give its full path, upload it, or fix the name")
    }

    /// `command` as an absolute path in the job's view (relative ones start in its work dir).
    private func resolving(_ command: String) -> String {
        if command.hasPrefix("/") { return command }
        let workDir = (try? JobRequestValidator.workspaceRelativeWorkDir(request.workDir)) ?? ""
        return Self.workspace + (workDir.isEmpty ? "" : "/" + workDir) + "/" + command
    }

    /// Whether `path` (the job's view) names something at the job's start.
    private func exists(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard let first = parts.first, !parts.contains("..") else { return false }
        if "/" + first == Self.workspace {
            let relative = parts.dropFirst().joined(separator: "/")
            return request.uploads.contains { !$0.isDirectory && Self.normalized($0.path) == relative }
        }
        // The last mount whose target holds the path shows it (later mounts lie over earlier ones).
        let absolute = "/" + parts.joined(separator: "/")
        if let m = mounts.last(where: { absolute == $0.target || absolute.hasPrefix($0.target + "/") }) {
            let host = m.source + absolute.dropFirst(m.target.count)
            var st = stat()
            if stat(host, &st) == 0 { return (st.st_mode & S_IFMT) == S_IFREG }
            // A link inside a runtime may point at a path only the job's view has (another mount).
            return lstat(host, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
        }
        guard Self.systemDirectories.contains(first) else { return false }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private static func normalized(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
