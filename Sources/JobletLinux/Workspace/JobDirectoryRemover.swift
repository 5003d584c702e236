import CJobletLinux
import Glibc

/// Removes `<jobs>/<id>` (workspace, rootfs mount point, exit status) of a finished job through
/// CJobletLinux_remove_tree: descriptor-relative, never following a link the job planted.
enum JobDirectoryRemover {
    static func remove(jobID: String, under jobsDirectory: String) throws {
        guard !jobID.isEmpty, jobID != ".", jobID != "..", !jobID.contains("/") else {
            throw LocalJobError.invalidSpec("job id \"\(jobID)\" is not a directory name")
        }
        let parent = open(jobsDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if parent < 0 {
            if errno == ENOENT { return }  // no job ever ran here
            throw LinuxError("open", path: jobsDirectory, errno: errno)
        }
        defer { close(parent) }
        if CJobletLinux_remove_tree(parent, jobID) < 0 {
            throw LinuxError("removing the job directory", path: "\(jobsDirectory)/\(jobID)", errno: errno)
        }
    }
}
