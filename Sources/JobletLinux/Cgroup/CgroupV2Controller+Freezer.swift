import Glibc

/// cgroup v2's freezer: write 1 or 0 to `cgroup.freeze`; `cgroup.events` says `frozen 1` once
/// every process has stopped. A tree without cgroup.events (a fake cgroupfs) is taken at its word.
extension CgroupV2Controller {
    public func setFrozen(_ frozen: Bool, _ cgroup: JobCgroup, timeout: Duration) throws {
        let d = "\(root)/\(cgroup.relativePath)"
        guard FileIO.exists(d) else { throw LocalJobError.cgroup("cgroup \(d) is gone (the job has ended)") }
        try FileIO.write(frozen ? "1" : "0", to: "\(d)/cgroup.freeze", create: true)
        let events = "\(d)/cgroup.events"
        guard FileIO.exists(events) else { return }
        let deadline = ContinuousClock.now + timeout
        while (FileIO.readTrimmed(events) ?? "").keyedCounters["frozen"] != (frozen ? 1 : 0) {
            guard ContinuousClock.now < deadline else {
                throw LocalJobError.cgroup("\(events) does not say frozen \(frozen ? 1 : 0) after \(timeout)")
            }
            usleep(2_000)
        }
    }

    public func isFrozen(_ cgroup: JobCgroup) -> Bool? {
        let d = "\(root)/\(cgroup.relativePath)"
        if let events = FileIO.readTrimmed("\(d)/cgroup.events"), let frozen = events.keyedCounters["frozen"] {
            return frozen == 1
        }
        return FileIO.readTrimmed("\(d)/cgroup.freeze").map { $0 == "1" }
    }
}
