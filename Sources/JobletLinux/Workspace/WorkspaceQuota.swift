import CJobletLinux
import Glibc

/// Creates a job's workspace: a plain directory, or with a size limit a btrfs subvolume with a
/// qgroup limit (CJobletLinux_make_limited_workspace). Chosen over a loop image per job (mkfs and
/// mount on every launch) and a tmpfs (charged to the job's memory limit, gone with the job):
/// measured launch cost in docs/benchmarks.md ("Sandbox").
enum WorkspaceQuota {
    static func makeWorkspace(_ path: String, limitMB: Int) throws {
        guard limitMB > 0 else { return try FileIO.makeDirectory(path) }
        guard let slash = path.lastIndex(of: "/") else { throw LocalJobError.invalidSpec("workspace \(path) is not an absolute path") }
        let parent = String(path[..<slash]), name = String(path[path.index(after: slash)...])
        let parentFD = try systemCall("open", path: parent) { open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(parentFD) }
        if CJobletLinux_make_limited_workspace(parentFD, name, UInt64(limitMB) * 1024 * 1024) == 0 { return }
        let code = errno
        let why: String
        switch code {
        case EOPNOTSUPP: why = "the data directory is not on btrfs"
        case ENOTCONN, EINVAL, ENOENT: why = "btrfs quotas are not enabled on it (run 'btrfs quota enable <mount point>')"
        default: why = LinuxError.message(for: code)
        }
        throw LocalJobError.spawnFailed("a workspace limit of \(limitMB) MB needs a btrfs subvolume with a qgroup limit at \(path): \(why); set jobs.defaultWorkspaceMB to 0 for no limit")
    }
}
