/// Pause/resume (training, issue 19) through the job's cgroup freezer. The frozen state lives
/// in the cgroup, not in this process: a paused job stays paused while jobletd restarts.
extension LocalJobRunner {
    public func pause(_ handle: JobProcessHandle) throws {
        try cgroups.setFrozen(true, handle.cgroup, timeout: config.killTimeout)
    }

    public func resume(_ handle: JobProcessHandle) throws {
        try cgroups.setFrozen(false, handle.cgroup, timeout: config.killTimeout)
    }

    public func isPaused(_ handle: JobProcessHandle) -> Bool {
        cgroups.isFrozen(handle.cgroup) ?? false
    }
}
