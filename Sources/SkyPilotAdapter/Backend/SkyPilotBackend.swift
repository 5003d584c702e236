import Foundation
import JobletCore
import Logging

/// The GPU backend: runs a job as a SkyPilot managed job and presents it like a local one.
///
/// `start` submits the launch and reports PENDING; a watcher task per job then follows the
/// launch to a SkyPilot job id, polls the queue with back-off, maps statuses, copies the
/// provisioning log and the job's output into the job log, and reports the final status last.
/// Everything needed to resume is kept in the job's backend state (`SkyPilotJobInfo` reads it).
///
/// Concurrency: the watchers live in one lock-guarded table; everything else is immutable.
public final class SkyPilotBackend: JobBackend, Sendable {
    public static let backendName = "skypilot"
    public var name: String { Self.backendName }

    public let configuration: SkyPilotConfiguration
    public let client: SkyPilotClient
    let builder: SkyPilotTaskBuilder
    let logger: Logger
    let watchers = Locked([String: JobWatch]())
    /// When /api/health last answered healthy (RunJob's admission check, SkyPilotBackend+Admission).
    let lastHealthy = Locked<ContinuousClock.Instant?>(nil)

    public init(configuration: SkyPilotConfiguration, logger: Logger = Logger(label: "jobletd.skypilot")) {
        self.configuration = configuration
        self.logger = logger
        self.client = SkyPilotClient(configuration: configuration, logger: logger)
        self.builder = SkyPilotTaskBuilder(configuration: configuration)
    }

    /// Stops watching (jobs keep running at SkyPilot and are adopted after a restart) and closes
    /// the connections.
    public func shutdown() async {
        let running = watchers.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for watch in running { watch.task.cancel() }
        for watch in running { await watch.task.value }
        try? await client.shutdown()
    }

    /// `GET /api/health`, logged: the server's API version, or why it cannot be reached.
    @discardableResult
    public func checkHealth() async -> SkyPilotHealth? {
        do {
            let health = try await client.health()
            logger.info("SkyPilot API server \(configuration.endpoint.absoluteString) is \(health.status), version \(health.version ?? "?"), API version \(health.apiVersion ?? "?")")
            if let version = health.apiVersion.flatMap(Int.init), version < configuration.clientAPIVersion {
                logger.warning("SkyPilot API server speaks API version \(version), older than our \(configuration.clientAPIVersion)")
            }
            return health
        } catch {
            logger.error("\(error); GPU jobs will wait for it, local jobs are not affected")
            return nil
        }
    }

    /// Checks `/api/health` until the server answers healthy, backing off up to the poll
    /// interval's maximum; run it in a task at startup. Never fatal: local jobs are unaffected.
    public func waitUntilReachable() async {
        var backoff = Backoff(min: configuration.pollIntervalMin, max: max(configuration.pollIntervalMax, .seconds(60)))
        while !Task.isCancelled {
            if let health = await checkHealth(), health.isHealthy { return }
            try? await Task.sleep(for: backoff.next())
        }
    }

    // MARK: JobBackend

    public func canRun(_ request: JobRequest) -> JobletError? {
        // Training (issue 19): a job with an infra (a cloud, region, Kubernetes, a GPU cloud)
        // comes here with or without GPUs; "local" means this host.
        let route = InfraRoute(infra: request.infra)
        if !request.infra.isEmpty, route == .local {
            return .failedPrecondition("infra 'local' asks for this host, where the SkyPilot backend does not run jobs")
        }
        guard request.gpuCount > 0 || route != .local else {
            return .failedPrecondition("the SkyPilot backend runs GPU jobs (gpu_count > 0) and jobs with an infra (e.g. aws, k8s, runpod)")
        }
        if request.gpuCount > 0 {
            do {
                _ = try builder.accelerators(gpuCount: request.gpuCount, gpuMemoryMB: request.gpuMemoryMB)
            } catch {
                return error
            }
        }
        // Uploads are staged in a local directory that becomes the task's workdir: only an API
        // server on this host can read it. Refuse clearly rather than fail at SkyPilot later.
        if !request.uploads.isEmpty && !Self.isLoopback(configuration.endpoint) {
            return .failedPrecondition("uploads to a remote SkyPilot API server (\(configuration.endpoint.host ?? "?")) are not supported yet; "
                                       + "put the files in the image or a bucket, or run the API server on this host")
        }
        return nil
    }

    public func isMeant(for request: JobRequest) -> Bool {
        request.gpuCount > 0 || InfraRoute(infra: request.infra) != .local
    }

    static func isLoopback(_ url: URL) -> Bool {
        guard let host = url.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    public func start(job: Job, request: JobRequest, events: JobEventSink) async throws {
        let masker = SecretMasker(secretValues: request.secretEnvironment.values)
        var state = SkyPilotBackendState(name: job.id)
        // Stored before the POST: after a crash, the name alone finds a launch we never heard back from.
        try events.update(state: state.encoded())
        let task = try makeTask(job: job, request: request)
        logger.debug("launching SkyPilot task for job \(job.id):\n\(task.maskedYAML)")
        do {
            let requestID = try await client.launchManagedJob(task: task.yaml, name: task.name)
            state.launchRequestID = requestID
            try events.update(state: state.encoded())
            appendLog(events, masker, "skypilot: submitted managed job '\(task.name)' (\(task.accelerators)), request \(requestID)")
        } catch SkyPilotError.responseLost(_, let detail) {
            // It may or may not have arrived: the watcher looks for it by name before launching again.
            appendLog(events, masker, "skypilot: the launch's answer was lost (\(detail)); looking for job '\(task.name)'")
        } catch {
            appendLog(events, masker, "skypilot: launch failed: \(error)")
            throw (error as? SkyPilotError)?.jobletError ?? error
        }
        try await events.transition(to: .pending, reason: "submitted to SkyPilot")
        watch(jobID: job.id, state: state, masker: masker, events: events)
    }

    public func stop(job: Job, grace: Duration) async throws {
        let watch = watchers.withLock { $0[job.id] }
        watch?.control.cancelRequested.withLock { $0 = true }
        let knownID = watch?.control.jobID.withLock { $0 } ?? SkyPilotBackendState.decode(job.backendState)?.jobID
        if let id = knownID {
            do {
                try await client.cancelManagedJobs(ids: [id])
                watch?.control.cancelSent.withLock { $0 = true }
            } catch {
                // The watcher sends it again on its next poll.
                logger.warning("cancelling SkyPilot job \(id) for \(job.id): \(error)")
                if watch == nil { throw (error as? SkyPilotError)?.jobletError ?? error }
            }
        }
        guard let watch else { return }
        // The watcher sends the cancel itself once it learns the job id, then reports CANCELLED.
        let finished = Task { await watch.task.value }
        let timeout = Task {
            try await Task.sleep(for: configuration.requestDeadline)
            finished.cancel()
        }
        await finished.value
        timeout.cancel()
    }

    public func adopt(job: Job, events: JobEventSink) async {
        let masker = SecretMasker(secretValues: (try? events.request().secretEnvironment.values).map(Array.init) ?? [])
        let state = SkyPilotBackendState.decode(job.backendState) ?? SkyPilotBackendState(name: job.id)
        logger.info("resuming SkyPilot job \(state.jobID.map(String.init) ?? "'\(state.name)'") for \(job.id)")
        watch(jobID: job.id, state: state, masker: masker, events: events)
    }

    // MARK: Internals

    func makeTask(job: Job, request: JobRequest) throws -> SkyPilotTask {
        var workdir: String?
        if !request.uploads.isEmpty {
            workdir = try UploadStaging.stage(request.uploads, jobID: job.id,
                                              under: configuration.uploadStagingDirectory).path
        }
        return try builder.task(for: request, name: job.id, workdir: workdir)
    }

    private func watch(jobID: String, state: SkyPilotBackendState, masker: SecretMasker, events: JobEventSink) {
        let control = JobWatch.Control(jobID: state.jobID)
        let watcher = JobWatcher(backend: self, events: events, masker: masker, control: control, state: state)
        let watch = JobWatch(control: control, task: Task { await watcher.run() })
        let previous = watchers.withLock { table in
            defer { table[jobID] = watch }
            return table[jobID]
        }
        previous?.task.cancel()
        Task { [weak self] in
            await watch.task.value
            self?.watchers.withLock { table in
                if table[jobID]?.control === watch.control { table.removeValue(forKey: jobID) }
            }
        }
    }

    func appendLog(_ events: JobEventSink, _ masker: SecretMasker, _ line: String) {
        do {
            try events.appendLog(Array((masker.mask(line) + "\n").utf8))
        } catch {
            logger.warning("cannot append to the log of job \(events.jobID): \(error)")
        }
    }
}

/// One job's watcher task and what `stop` shares with it.
struct JobWatch: Sendable {
    final class Control: Sendable {
        /// Set by `stop`: cancel at SkyPilot as soon as the job id is known.
        let cancelRequested = Locked(false)
        /// A cancel reached SkyPilot (its outcome shows in the queue).
        let cancelSent = Locked(false)
        let jobID: Locked<Int?>

        init(jobID: Int?) {
            self.jobID = Locked(jobID)
        }
    }

    let control: Control
    let task: Task<Void, Never>
}
