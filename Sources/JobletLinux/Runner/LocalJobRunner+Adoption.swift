/// What `adopt` found.
public enum JobAdoption: Sendable, Equatable {
    /// Still ours and running; `waitForExit` and `stop` work on it again.
    case running(JobProcessHandle)
    /// It ended while nobody watched; this is how (from the status file its init left).
    case exited(JobExit)
}

extension LocalJobRunner {
    /// Takes a job back after a restart. It is ours when the pid exists, started at the stored
    /// time (pids get reused), and sits in the stored cgroup. The pidfd is opened before those
    /// checks, so it cannot refer to a process that replaced ours after them.
    public func adopt(_ handle: JobProcessHandle) -> JobAdoption {
        if let exit = state.withLock({ $0.jobs[handle.jobID]?.exit }) { return .exited(exit) }
        if state.withLock({ $0.jobs[handle.jobID] != nil }) { return .running(handle) }

        if let pidfd = PidFD.open(pid: handle.pid), let stat = ProcessStat.read(pid: handle.pid),
           stat.startTime == handle.startTime,
           stat.state == "Z" || cgroups.contains(pid: handle.pid, in: handle.cgroup) {
            do {
                try track(handle, pidfd: pidfd)
            } catch {
                log("job \(handle.jobID): cannot watch pid \(handle.pid): \(error)")
                return .running(handle)
            }
            log("job \(handle.jobID): re-adopted pid \(handle.pid) in \(handle.cgroup.relativePath)")
            return .running(handle)
        }
        let exit = collectExit(handle, reaped: nil, stopped: false)
        log("job \(handle.jobID): ended while jobletd was down: \(exit.reason.isEmpty ? "exit 0" : exit.reason)")
        return .exited(exit)
    }
}

extension LocalJobRunner {
    /// A job stored before its handle was (jobletd died between storing the job and recording
    /// RUNNING): whatever it may have started is killed and its cgroup removed, so nothing runs or
    /// stays that no record watches. A job id with no cgroup is fine. Returns whether anything of
    /// the job had started: a process in its cgroup, or an exit status its init wrote (given the
    /// job's directory). False means its command never ran and it may be started afresh.
    @discardableResult
    public func discardUnrecorded(jobID: String, jobDirectory: String? = nil) -> Bool {
        var started = jobDirectory.map { ExitStatusRecord.read(jobDirectory: $0) != nil } ?? false
        guard let cgroup = try? type(of: cgroups).cgroup(forJobID: jobID) else { return started }
        do {
            if !cgroups.processes(in: cgroup).isEmpty {
                started = true
                log("job \(jobID): killing processes started before jobletd stopped, with no record")
                try cgroups.killAll(in: cgroup, timeout: config.killTimeout)
            }
            try cgroups.remove(cgroup)
        } catch {
            log("job \(jobID): cleaning up cgroup \(cgroup.relativePath): \(error)")
        }
        return started
    }
}
