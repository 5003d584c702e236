import Foundation
import Glibc
import Synchronization

/// A few job directories made ahead of their jobs, each with an empty `workspace` and
/// `exit-status`: creating inodes is the slowest file-system step of a launch on ext4 (0.2-0.4 ms
/// each on a busy or churned file system), and a launch renames a spare into place instead
/// (`LocalJobRunner.prepareJobDirectory`). Refilled on a queue of its own, after the launch.
///
/// Spares are `<jobs>/.spare-<jobletd pid>-<n>`: jobletd removes its own when it stops and, at
/// start, those of a jobletd that is gone; nothing else under `jobs/` starts with a dot (job ids
/// are UUIDs).
final class SpareJobDirectories: Sendable {
    let parent: String
    let size: Int
    let log: @Sendable (String) -> Void
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "jobletd.spare-job-directories")

    private struct State {
        var spares: [String] = []
        var refilling = false
        var closed = false
        var counter = 0
        var failures = 0
    }

    init(parent: String, size: Int, log: @escaping @Sendable (String) -> Void) {
        self.parent = parent
        self.size = size
        self.log = log
        removeStale()
        refill()
    }

    /// Renames a spare to `path`; false when there is none (or the rename failed: then the
    /// caller makes the directory the usual way).
    func take(as path: String) -> Bool {
        guard let spare = state.withLock({ s -> String? in s.spares.isEmpty ? nil : s.spares.removeFirst() }) else { return false }
        if rename(spare, path) == 0 { return true }
        Self.remove(spare)
        return false
    }

    func refill() {
        let start = state.withLock { s -> Bool in
            guard !s.closed, !s.refilling, s.spares.count < size else { return false }
            s.refilling = true
            s.failures = 0  // up to 3 failures in a row per refill; the next launch tries again
            return true
        }
        guard start else { return }
        queue.async { [self] in
            try? FileIO.makeDirectories(parent, mode: 0o711)  // as a launch makes it
            while true {
                let next = state.withLock { s -> String? in
                    guard !s.closed, s.spares.count < size, s.failures < 3 else {
                        s.refilling = false
                        return nil
                    }
                    s.counter += 1
                    return "\(parent)/.spare-\(getpid())-\(s.counter)"
                }
                guard let path = next else { return }
                do {
                    try Self.make(path)
                    let kept = state.withLock { s -> Bool in
                        s.failures = 0
                        guard !s.closed else { return false }
                        s.spares.append(path)
                        return true
                    }
                    if !kept { Self.remove(path) }
                } catch {
                    state.withLock { $0.failures += 1 }  // launches make their directories themselves
                    Self.remove(path)
                    log("spare job directory not made: \(error)")
                }
            }
        }
    }

    /// No more refills; the spares are removed.
    func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        let left = state.withLock { s -> [String] in
            defer { s.spares = [] }
            return s.spares
        }
        left.forEach(Self.remove)
    }

    /// What a launch would make: the job's directory (0711), its workspace (0700, owned by the
    /// job's uid at launch), its exit-status file (0600) and, for a job on a network with
    /// addresses, its /etc/hosts file (0644, written at launch; unused by other jobs).
    private static func make(_ path: String) throws {
        _ = try systemCall("mkdir", path: path) { mkdir(path, 0o711) }
        _ = try systemCall("mkdir", path: path + "/workspace") { mkdir(path + "/workspace", 0o700) }
        for (file, mode) in [(ExitStatusRecord.path(jobDirectory: path), mode_t(0o600)), (path + "/hosts", mode_t(0o644))] {
            let fd = try systemCall("open", path: file) { open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
            Glibc.close(fd)
        }
    }

    private static func remove(_ path: String) {
        unlink(path + "/hosts")
        unlink(ExitStatusRecord.path(jobDirectory: path))
        rmdir(path + "/workspace")
        rmdir(path)
    }

    /// Spares of jobletd processes that are gone.
    private func removeStale() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(".spare-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            Self.remove("\(parent)/\(name)")
        }
    }
}
