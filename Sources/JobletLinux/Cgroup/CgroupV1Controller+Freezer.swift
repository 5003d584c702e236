import Glibc

/// The v1 freezer hierarchy: `freezer.state` takes FROZEN or THAWED and reads FREEZING until
/// every task has stopped.
extension CgroupV1Controller {
    private func freezerState(_ cgroup: JobCgroup) throws -> String {
        guard let mount = hierarchies["freezer"] else {
            throw LocalJobError.cgroup("pausing a job needs the v1 freezer controller, which is not mounted on this host")
        }
        return "\(mount)/\(cgroup.relativePath)/freezer.state"
    }

    public func setFrozen(_ frozen: Bool, _ cgroup: JobCgroup, timeout: Duration) throws {
        let path = try freezerState(cgroup)
        let wanted = frozen ? "FROZEN" : "THAWED"
        let deadline = ContinuousClock.now + timeout
        // FREEZING means some task is in the middle of something (a syscall, a fork): writing
        // FROZEN again retries the freeze of the rest.
        while true {
            try FileIO.write(wanted, to: path)
            if FileIO.readTrimmed(path) == wanted { return }
            guard ContinuousClock.now < deadline else {
                throw LocalJobError.cgroup("\(path) still reads \(FileIO.readTrimmed(path) ?? "?") after \(timeout) (wanted \(wanted))")
            }
            usleep(2_000)
        }
    }

    public func isFrozen(_ cgroup: JobCgroup) -> Bool? {
        guard let path = try? freezerState(cgroup), let state = FileIO.readTrimmed(path) else { return nil }
        return state == "FROZEN"
    }
}
