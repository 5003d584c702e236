import Foundation
import Glibc
import JobletCore
import Synchronization

/// A few job directories made ahead of their jobs, each with an empty `workspace`,
/// `exit-status` and `hosts`: creating inodes is the slowest file-system step of a launch on ext4
/// (0.2-0.6 ms each on a busy or churned file system), and a launch renames a spare into place
/// instead (`LocalJobRunner.prepareJobDirectory`). Refilled after the launch.
///
/// Spares are `<jobs>/.spare-<jobletd pid>-<n>`: jobletd removes its own when it stops and, at
/// start, those of a jobletd that is gone; nothing else under `jobs/` starts with a dot (job ids
/// are UUIDs).
final class SpareJobDirectories: Sendable {
    let parent: String
    private let spares: SparePool<String>

    /// `workspaceLimitMB`: each spare's workspace is a btrfs subvolume with this limit (0: a
    /// plain directory), as `WorkspaceQuota.makeWorkspace` makes it.
    init(parent: String, size: Int, workspaceLimitMB: Int = 0, log: @escaping @Sendable (String) -> Void) {
        self.parent = parent
        Self.removeStale(in: parent)
        let logged = Mutex(false)  // the first failure only: a launch says the rest itself
        spares = SparePool(label: "jobletd.spare-job-directories", size: size,
                           make: { n in try Self.make("\(parent)/.spare-\(getpid())-\(n)", parent: parent, limitMB: workspaceLimitMB) },
                           discard: Self.remove,
                           failed: { error in
                               if logged.withLock({ l in defer { l = true }; return !l }) { log("spare job directory not made: \(error)") }
                           })
    }

    /// Renames a spare to `path`; false when there is none (or the rename failed: then the
    /// caller makes the directory the usual way).
    func take(as path: String) -> Bool {
        guard let spare = spares.take() else { return false }
        if rename(spare, path) == 0 { return true }
        Self.remove(spare)
        return false
    }

    func refill() { spares.refill() }

    /// No more refills; the spares are removed.
    func close() { spares.close() }

    /// What a launch would make: the job's directory (0711), its workspace (0700, owned by the
    /// job's uid at launch), its exit-status file (0600) and, for a job on a network with
    /// addresses, its /etc/hosts file (0644, written at launch; unused by other jobs).
    private static func make(_ path: String, parent: String, limitMB: Int) throws -> String {
        try FileIO.makeDirectories(parent, mode: 0o711)  // as a launch makes it
        do {
            _ = try systemCall("mkdir", path: path) { mkdir(path, 0o711) }
            try WorkspaceQuota.makeWorkspace(path + "/workspace", limitMB: limitMB)
            _ = try systemCall("chmod", path: path + "/workspace") { chmod(path + "/workspace", 0o700) }
            for (file, mode) in [(ExitStatusRecord.path(jobDirectory: path), mode_t(0o600)), (path + "/hosts", mode_t(0o644))] {
                let fd = try systemCall("open", path: file) { open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
                Glibc.close(fd)
            }
        } catch {
            remove(path)
            throw error
        }
        return path
    }

    private static func remove(_ path: String) {
        unlink(path + "/hosts")
        unlink(ExitStatusRecord.path(jobDirectory: path))
        rmdir(path + "/workspace")
        rmdir(path)
    }

    /// Spares of jobletd processes that are gone.
    private static func removeStale(in parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where SparePool<String>.isStale(name, prefix: ".spare") {
            remove("\(parent)/\(name)")
        }
    }
}
