import Foundation

/// The jobs' life: RunJob, StopJob, CancelJob, DeleteJob, restart recovery, and the one function
/// through which every status changes (`transition`).
///
/// Concurrency: an actor. `transition` does no `await`: it checks and stores (a short synchronous
/// SQLite transaction) and tells subscribers in one step, so subscribers see the stored order.
/// Reads (`job`, `list`, `logs`) are nonisolated and go straight to the store.
public actor JobEngine {
    public nonisolated let store: JobStore
    public nonisolated let logs: LogStore
    public nonisolated let validator: JobRequestValidator
    public nonisolated let defaultStopGrace: Duration
    /// Sandbox (issue 16): RunJob refuses below this much free disk.
    public nonisolated let diskReserve: DiskReserve?
    /// Training (issue 19): keeps jobs' artifacts; nil: RunJob's artifacts are refused.
    public nonisolated let artifacts: ArtifactKeeper?
    let backends: [any JobBackend]
    private let scheduler: Scheduler
    private var subscribers: [UInt64: AsyncStream<JobEvent>.Continuation] = [:]
    private var nextSubscriberID: UInt64 = 0
    /// Jobs with a StopJob under way: their final report is recorded as STOPPED.
    private var stopping: Set<String> = []

    /// `backends` in order of preference: a request goes to the first whose `canRun` takes it.
    public init(store: JobStore, logs: LogStore, backends: [any JobBackend], validator: JobRequestValidator,
                defaultStopGrace: Duration = .milliseconds(100), diskReserve: DiskReserve? = nil,
                artifacts: ArtifactKeeper? = nil) {
        self.diskReserve = diskReserve
        self.artifacts = artifacts
        self.store = store
        self.logs = logs
        self.backends = backends
        self.validator = validator
        self.defaultStopGrace = defaultStopGrace
        self.scheduler = Scheduler(store: store)
    }

    // MARK: Lifecycle

    /// Recovery after a (re)start: scheduled jobs get their timers back, every other unfinished
    /// job is handed to its backend's `adopt` (or FAILED if that backend is gone).
    public func start() async throws {
        // Taken before the scheduler starts: an overdue job it launches meanwhile is not one to adopt.
        let unfinished = try store.nonFinalJobs().filter { $0.status != .scheduled }
        try await scheduler.start { [weak self] id in await self?.startScheduled(id) }
        for job in unfinished {
            guard let backend = backend(named: job.backend) else {
                _ = try? transition(job.id, to: .failed, exitCode: -1,
                                 reason: "backend '\(job.backend)' is not configured after restart; the job was lost")
                continue
            }
            await backend.adopt(job: job, events: JobEventSink(jobID: job.id, engine: self))
        }
    }

    /// Stops the scheduler and ends every subscription. Running jobs are left running.
    public func shutdown() async {
        await scheduler.shutdown()
        subscribers.values.forEach { $0.finish() }
        subscribers.removeAll()
    }

    // MARK: Requests

    /// RunJob: validates, picks a backend, stores the job, then schedules or starts it. A start
    /// failure is recorded as FAILED (with the reason) and the job returned, not thrown.
    /// `id` lets a caller (a workflow) choose the job's UUID; taken ids get `alreadyExists`.
    public func submit(_ request: JobRequest, id: String? = nil) async throws -> Job {
        let request = try validator.validate(request)
        if !request.artifacts.isEmpty, artifacts == nil {  // training (issue 19)
            throw JobletError.failedPrecondition("this server keeps no artifacts (no artifact store configured); run the job without artifacts")
        }
        try diskReserve?.check()
        let backend = try chooseBackend(for: request)
        if request.scheduledTime == nil { try await backend.admit(request) }  // training (issue 19)
        let id = try id.map(Self.checkedID) ?? Job.newID()
        let job = Job(id: id, request: request, backend: backend.name)
        try store.insert(job, request: request)
        try logs.create(job.id)
        publish(.created(job))
        if let time = job.scheduledAt {
            await scheduler.schedule(job.id, at: time)
            return job
        }
        await launch(job, request: request, on: backend)
        logs.refillSpareFiles()  // after the launch, not during it
        return try store.job(id: job.id)
    }

    /// What `submit` would refuse before storing anything: validation and backend choice.
    /// A workflow checks each of its jobs with this before storing any.
    public nonisolated func checkBackend(for request: JobRequest) throws {
        _ = try chooseBackend(for: validator.validate(request))
    }

    /// StopJob. A SCHEDULED job is canceled instead (it never started).
    public func stop(_ idOrPrefix: String, grace: Duration? = nil) async throws -> Job {
        let job = try store.job(matching: idOrPrefix)
        if job.status == .scheduled { return try await cancel(job.id) }
        guard !job.status.isFinal else { throw JobletError.jobNotRunning(id: job.id, status: job.status) }
        guard let backend = backend(named: job.backend) else {
            return try transition(job.id, to: .stopped, exitCode: -1, reason: "stopped (backend '\(job.backend)' is gone)")
        }
        stopping.insert(job.id)
        defer { stopping.remove(job.id) }
        try await backend.stop(job: job, grace: grace ?? defaultStopGrace)
        let now = try store.job(id: job.id)
        if now.status.isFinal { return now }
        return try transition(job.id, to: .stopped, exitCode: -1, reason: "stopped by request")
    }

    /// CancelJob: only a SCHEDULED job, which becomes CANCELED.
    public func cancel(_ idOrPrefix: String) async throws -> Job {
        let job = try store.job(matching: idOrPrefix)
        guard job.status == .scheduled else { throw JobletError.jobNotScheduled(id: job.id, status: job.status) }
        await scheduler.unschedule(job.id)
        return try transition(job.id, to: .canceled, reason: "canceled before its scheduled time")
    }

    /// DeleteJob: a final job, its files (workspace, exit status) and its log. The files go first:
    /// when they cannot be removed the job stays listed and the error names why.
    public func delete(_ idOrPrefix: String) throws {
        let id = try store.resolveID(idOrPrefix)
        let job = try store.job(id: id)
        guard job.status.isFinal else { throw JobletError.jobStillActive(id: id, status: job.status) }
        try removeFiles(of: job)
        try artifacts?.remove(jobID: id)  // training (issue 19)
        try store.delete(id: id)
        try? logs.delete(id)
        publish(.deleted(id: id))
    }

    /// DeleteAllJobs: every final job, its files and its log; unfinished ones are skipped.
    public func deleteAllFinal() throws -> JobDeletion {
        let result = try store.deleteAllFinal()
        var failures: [String] = []
        for id in result.deletedIDs {
            for backend in backends {
                do { try backend.removeFiles(jobID: id) } catch { failures.append("\(id): \(error)") }
            }
            do { try artifacts?.remove(jobID: id) } catch { failures.append("\(id): \(error)") }  // training (issue 19)
            try? logs.delete(id)
            publish(.deleted(id: id))
        }
        if !failures.isEmpty {
            throw JobletError.internal("deleted \(result.deletedIDs.count) jobs, but could not remove the files of \(failures.count): \(failures.prefix(3).joined(separator: "; "))")
        }
        return result
    }

    private func removeFiles(of job: Job) throws {
        // Every backend: a job's files may outlive a backend that is no longer configured.
        for backend in backends {
            do {
                try backend.removeFiles(jobID: job.id)
            } catch {
                throw JobletError.internal("removing the files of job \(job.id): \(error)")
            }
        }
    }

    // MARK: Reads

    /// GetJobStatus: by id or unique prefix.
    public nonisolated func job(_ idOrPrefix: String) throws -> Job {
        try store.job(matching: idOrPrefix)
    }

    /// ListJobs: oldest first.
    public nonisolated func list() throws -> [Job] {
        try store.list()
    }

    /// GetJobLogs: history, then live output until the job is final.
    public nonisolated func logReader(_ idOrPrefix: String, follow: Bool = true) throws -> LogReader {
        let job = try store.job(matching: idOrPrefix)
        return logs.reader(for: job.id, follow: follow && !job.status.isFinal)
    }

    /// GetJobLogs as every client sees it, admin or viewer: the job's secret values read `***`,
    /// also where the job printed one across two writes.
    public nonisolated func maskedLogReader(_ idOrPrefix: String, follow: Bool = true) throws -> MaskedLogReader {
        let job = try store.job(matching: idOrPrefix)
        let secrets = try store.request(for: job.id).secretEnvironment.values
        return MaskedLogReader(reader: logs.reader(for: job.id, follow: follow && !job.status.isFinal),
                               masker: SecretStreamMasker(secretValues: secrets))
    }

    /// Every event from now on, until `shutdown` or the consumer stops iterating.
    public func events() -> AsyncStream<JobEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: JobEvent.self)
        nextSubscriberID += 1
        let id = nextSubscriberID
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    // MARK: The one transition function

    /// Checks that `id` may move to `status`, stores it (with exit code, reason and time), then
    /// tells subscribers. A final status also closes the job's log.
    @discardableResult
    public func transition(_ id: String, to status: JobStatus, exitCode: Int32? = nil, reason: String? = nil,
                           at time: Date = Date(), backendState: Data? = nil, nodeID: String? = nil) throws -> Job {
        let (previous, job) = try store.applyTransition(id: id, to: status, exitCode: exitCode, reason: reason, at: time,
                                                        backendState: backendState, nodeID: nodeID)
        if status.isFinal {
            if status == .failed, let reason = job.reason, !reason.isEmpty, !JobExitReason.isPlainExit(reason) {
                // The log is what every client reads; the reason must be there before it closes.
                try? logs.appendServerNote(id, "job failed: \(reason)")
            }
            logs.close(id)
        }
        publish(.transitioned(job, from: previous))
        return job
    }

    // MARK: Internals

    func backendReported(_ id: String, to status: JobStatus, exitCode: Int32?, reason: String?, at time: Date,
                         backendState: Data? = nil, nodeID: String? = nil)
        throws -> Job
    {
        if stopping.contains(id), status.isFinal, status != .stopped {
            let what = reason ?? status.rawValue.lowercased()
            return try transition(id, to: .stopped, exitCode: -1, reason: "stopped by request (\(what))", at: time)
        }
        if status == .stopped {
            // DESIGN: a stopped job's exit code is -1, whatever signal its processes died of.
            return try transition(id, to: .stopped, exitCode: -1, reason: reason, at: time)
        }
        return try transition(id, to: status, exitCode: exitCode, reason: reason, at: time,
                              backendState: backendState, nodeID: nodeID)
    }

    private func startScheduled(_ id: String) async {
        guard let job = try? store.job(id: id), job.status == .scheduled else { return }
        guard let backend = backend(named: job.backend) else {
            _ = try? transition(id, to: .failed, exitCode: -1, reason: "backend '\(job.backend)' is not configured")
            return
        }
        do {
            let request = try store.request(for: id)
            let started = try transition(id, to: .initializing)
            await launch(started, request: request, on: backend)
        } catch {
            _ = try? transition(id, to: .failed, exitCode: -1, reason: "could not start: \(JobletError(wrapping: error, doing: "starting").message)")
        }
    }

    private func launch(_ job: Job, request: JobRequest, on backend: any JobBackend) async {
        do {
            try await backend.start(job: job, request: request, events: JobEventSink(jobID: job.id, engine: self))
        } catch {
            let message = JobletError(wrapping: error, doing: "starting job").message
            if let current = try? store.job(id: job.id), !current.status.isFinal {
                // -1 as for every job that ended without an exit of its own (never 0, which reads as success).
                _ = try? transition(job.id, to: .failed, exitCode: -1, reason: "could not start: \(message)")
            }
        }
    }

    private static func checkedID(_ id: String) throws -> String {
        guard let uuid = UUID(uuidString: id) else {
            throw JobletError.invalidArgument("job id '\(id)' is not a UUID")
        }
        return uuid.uuidString.lowercased()
    }

    /// The first backend that takes the request. When all refuse, the client sees the refusal
    /// of the first backend for which this kind of job is meant (a GPU backend's reason for a
    /// GPU job), else the first refusal.
    private nonisolated func chooseBackend(for request: JobRequest) throws -> any JobBackend {
        var firstRefusal: JobletError?
        var ownRefusal: JobletError?
        for backend in backends {
            guard let refusal = backend.canRun(request) else { return backend }
            firstRefusal = firstRefusal ?? refusal
            if backend.isMeant(for: request) { ownRefusal = ownRefusal ?? refusal }
        }
        throw ownRefusal ?? firstRefusal ?? JobletError.unavailable("no job backend is configured")
    }

    func publish(_ event: JobEvent) {
        for continuation in subscribers.values {
            continuation.yield(event)
        }
    }

    private func unsubscribe(_ id: UInt64) {
        subscribers.removeValue(forKey: id)
    }
}
