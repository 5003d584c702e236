import Glibc
import Synchronization

/// One host uid (and gid of the same number) per local job, from a configured range
/// (`jobs.firstUID`, `jobs.uidCount`): no two jobs whose files exist share an identity, so one job
/// cannot read another's files, `/proc/<pid>/environ` or keyrings, and no host `nobody` process
/// can read theirs; per-uid kernel limits (inotify instances, RLIMIT_NPROC) are per job.
///
/// A uid is taken at launch and given back only when the job's directory is gone (DeleteJob), so
/// nothing a job left behind is ever owned by a later job. Which uids are taken is the owners of
/// the workspaces under `jobs/`, read once at the first allocation (a restarted jobletd sees the
/// same), then kept in memory.
public final class JobUIDAllocator: Sendable {
    public let first: UInt32
    public let count: UInt32
    let jobsDirectory: String
    private let state = Mutex(State())

    private struct State {
        var scanned = false
        var taken: Set<UInt32> = []
        var next: UInt32 = 0  // offset of the next candidate: round robin, so a freed uid rests longest
    }

    public init(first: UInt32, count: UInt32, jobsDirectory: String) {
        self.first = first
        self.count = count
        self.jobsDirectory = jobsDirectory
    }

    public func contains(_ uid: UInt32) -> Bool { uid >= first && uid - first < count }

    /// A uid no job's files own; throws when every one of the range is taken.
    public func allocate() throws -> JobUser {
        try state.withLock { s in
            if !s.scanned {
                s.taken = scanTaken()
                s.scanned = true
            }
            for step in 0..<count {
                let offset = (s.next &+ step) % count
                let uid = first + offset
                if !s.taken.contains(uid) {
                    s.taken.insert(uid)
                    s.next = (offset + 1) % count
                    return JobUser(uid: uid, gid: uid)
                }
            }
            throw LocalJobError.spawnFailed("all \(count) job uids (\(first)-\(first + count - 1), jobs.firstUID/jobs.uidCount) belong to jobs whose files still exist: delete finished jobs (rnx delete-all) or widen the range")
        }
    }

    /// The job's files are gone: its uid may go to a later job.
    public func release(_ uid: UInt32) {
        guard contains(uid) else { return }
        state.withLock { _ = $0.taken.remove(uid) }
    }

    /// The owner of `<jobs>/<id>/workspace` (not following links), when it is one of ours.
    public func owner(ofJob jobID: String) -> UInt32? {
        var st = stat()
        guard lstat("\(jobsDirectory)/\(jobID)/workspace", &st) == 0, contains(st.st_uid) else { return nil }
        return st.st_uid
    }

    private func scanTaken() -> Set<UInt32> {
        guard let dir = opendir(jobsDirectory) else { return [] }
        defer { closedir(dir) }
        var taken: Set<UInt32> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            if let uid = owner(ofJob: name) { taken.insert(uid) }
        }
        return taken
    }
}
