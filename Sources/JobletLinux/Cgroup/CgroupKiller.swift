import Glibc

/// The part of killing and removing a cgroup that v1 and v2 share.
enum CgroupKiller {
    /// SIGKILLs every listed pid until the list is empty; `freeze` brackets each round when the
    /// host has a freezer.
    static func killUntilEmpty(timeout: Duration, list: () -> [Int32], freeze: (Bool) throws -> Void) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            var pids = list()
            if pids.isEmpty { return }
            try freeze(true)
            pids = list()
            for pid in pids { kill(pid, SIGKILL) }
            try freeze(false)
            if ContinuousClock.now > deadline {
                throw LocalJobError.cgroup("processes \(pids.map(String.init).joined(separator: " ")) survived SIGKILL for \(timeout)")
            }
            usleep(5_000)
        }
    }

    /// rmdir, retrying EBUSY for a moment: the last killed task leaves the cgroup asynchronously.
    static func removeDirectory(_ path: String) throws {
        for _ in 0..<200 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            if errno != EBUSY { throw LinuxError("rmdir", path: path, errno: errno) }
            usleep(5_000)
        }
        throw LinuxError("rmdir", path: path, errno: EBUSY)
    }
}
