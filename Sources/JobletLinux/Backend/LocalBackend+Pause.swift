import JobletCore

/// PauseJob / ResumeJob for local jobs: the cgroup freezer.
extension LocalBackend {
    public func pause(job: Job) async throws {
        guard let handle = Self.handle(of: job) else {
            throw JobletError.failedPrecondition("job \(job.id) has no process yet; pause it once it is RUNNING")
        }
        do { try runner.pause(handle) } catch {
            try? runner.resume(handle)  // half-frozen is worse than running
            throw JobletError.failedPrecondition("cannot pause job \(job.id): \(error)")
        }
    }

    public func resume(job: Job) async throws {
        guard let handle = Self.handle(of: job) else {
            throw JobletError.failedPrecondition("job \(job.id) has no process to resume")
        }
        do { try runner.resume(handle) } catch {
            throw JobletError.failedPrecondition("cannot resume job \(job.id): \(error)")
        }
    }

    /// StopJob on a paused job: thawed first, so its SIGTERM handler runs within the grace period.
    func thawIfPaused(_ job: Job, _ handle: JobProcessHandle) {
        if job.status == .paused || runner.isPaused(handle) { try? runner.resume(handle) }
    }
}
