/// PauseJob and ResumeJob (training, issue 19): the backend freezes or thaws the job, then the
/// one transition function records PAUSED or RUNNING. A paused job keeps its status across a
/// restart (nothing thaws it), and StopJob works on it (the backend thaws it first).
extension JobEngine {
    public func pause(_ idOrPrefix: String) async throws -> Job {
        let (job, backend) = try jobAndBackend(idOrPrefix, in: .running, verb: "paused")
        try await backend.pause(job: job)
        do {
            return try transition(job.id, to: .paused)
        } catch {
            // It ended (or was stopped) while being frozen: leave nothing frozen behind.
            try? await backend.resume(job: job)
            throw error
        }
    }

    public func resume(_ idOrPrefix: String) async throws -> Job {
        let (job, backend) = try jobAndBackend(idOrPrefix, in: .paused, verb: "resumed")
        try await backend.resume(job: job)
        return try transition(job.id, to: .running)
    }

    private func jobAndBackend(_ idOrPrefix: String, in status: JobStatus, verb: String) throws -> (Job, any JobBackend) {
        let job = try store.job(matching: idOrPrefix)
        guard job.status == status else {
            throw JobletError.failedPrecondition("job \(job.id) is \(job.status.rawValue): only a \(status.rawValue) job can be \(verb)")
        }
        guard let backend = backend(named: job.backend) else {
            throw JobletError.failedPrecondition("job \(job.id): its backend '\(job.backend)' is not configured")
        }
        return (job, backend)
    }
}
