import Foundation

/// Runs workflows on the `JobEngine`: stores each workflow with all its jobs in one transaction,
/// starts a job as soon as its requirements hold (it listens to the job engine's events; it never
/// polls), cancels a job whose requirement can no longer hold (with the reason, recursively),
/// and gives each workflow its final status. After a restart `start()` picks unfinished
/// workflows up from the database: waiting jobs start when their requirements hold, and since
/// a workflow job's UUID is fixed when it is stored and `JobEngine.submit` refuses a taken id,
/// no job runs twice.
///
/// Concurrency: an actor; the state of unfinished workflows lives only here. Launches run in
/// their own tasks, at most `maxConcurrentLaunches` at a time, so that a wide DAG does not start
/// hundreds of processes at once. Reads are nonisolated and go to the store.
public actor WorkflowEngine {
    public nonisolated let jobs: JobEngine
    public nonisolated let validator: WorkflowValidator
    public nonisolated let maxConcurrentLaunches: Int
    private var runs: [String: WorkflowRun] = [:]
    /// Job id → its workflow and index there, for unfinished workflows.
    private var owners: [String: (workflow: String, node: Int)] = [:]
    private var launchQueue: [(workflow: String, node: Int)] = []
    private var launchQueueHead = 0
    private var launchesInFlight = 0
    /// Launches allowed at once right now: 1 when a burst begins, doubled by each launch that
    /// finishes, up to `maxConcurrentLaunches`. The first ready job of a wide fan then starts on
    /// a machine that is not also starting the next seven (its start latency stays that of a lone
    /// launch); the ramp costs a few milliseconds of throughput per burst.
    private var launchWindow = 1
    private var consumer: Task<Void, Never>?

    public init(jobs: JobEngine, maxConcurrentLaunches: Int = 16) {
        self.jobs = jobs
        self.maxConcurrentLaunches = max(1, maxConcurrentLaunches)
        self.validator = WorkflowValidator(jobValidator: jobs.validator) { [jobs] request in
            try jobs.checkBackend(for: request)
        }
    }

    // MARK: Lifecycle

    /// Subscribes to job events, then picks up every unfinished workflow (after a restart). Call
    /// after `JobEngine.start()`, so that re-adopted jobs are known.
    public func start() async throws {
        let events = await jobs.events()
        for id in try jobs.store.unfinishedWorkflowIDs() {
            try activate(id)
        }
        consumer = Task { [weak self] in
            for await event in events {
                guard let self else { return }
                await self.handle(event)
            }
        }
    }

    public func shutdown() {
        consumer?.cancel()
        consumer = nil
    }

    // MARK: Requests

    /// RunWorkflow: validates (nothing is stored when that fails), stores the workflow and all its
    /// jobs in one transaction, then starts the jobs whose requirements hold.
    /// Validation and the insert run outside the actor, so that a large workflow does not hold
    /// up the events of running ones.
    public nonisolated func submit(yaml: String, files: [FileUpload], name: String = "") async throws -> Workflow {
        let definition = try validator.validate(yaml: yaml, files: files, fallbackName: name)
        let id = Job.newID()
        let jobIDs = definition.jobs.map { _ in Job.newID() }
        try jobs.store.insertWorkflow(id: id, definition: definition, jobIDs: jobIDs)
        try await activate(id)
        return try jobs.store.workflow(matching: id)
    }

    /// StopWorkflow: waiting jobs are cancelled, running ones stopped; the workflow ends STOPPED.
    public func stop(_ idOrPrefix: String) async throws -> Workflow {
        let workflow = try jobs.store.workflow(matching: idOrPrefix)
        guard !workflow.status.isFinal else {
            throw JobletError.failedPrecondition("workflow is not running: \(workflow.id) (current status: \(workflow.status.rawValue))")
        }
        try jobs.store.setWorkflowStopRequested(id: workflow.id)
        guard runs[workflow.id] != nil else { return try jobs.store.workflow(matching: workflow.id) }
        runs[workflow.id]!.stopRequested = true
        let actions = runs[workflow.id]!.settleAll()
        perform(actions, in: workflow.id)
        await stopStartedJobs(of: workflow.id)
        finishIfDone(workflow.id)
        return try jobs.store.workflow(matching: workflow.id)
    }

    // MARK: Reads

    public nonisolated func workflow(_ idOrPrefix: String) throws -> Workflow {
        try jobs.store.workflow(matching: idOrPrefix)
    }

    public nonisolated func list(includeCompleted: Bool) throws -> [Workflow] {
        try jobs.store.workflows(includeCompleted: includeCompleted)
    }

    public nonisolated func jobRecords(of workflowID: String) throws -> [WorkflowJobRecord] {
        try jobs.store.workflowJobs(workflowID: workflowID)
    }

    /// Unfinished workflows held in memory, and their jobs (for the benchmark's memory figure).
    public func activeCounts() -> (workflows: Int, jobs: Int) {
        (runs.count, owners.count)
    }

    // MARK: Engine

    /// Loads a stored, unfinished workflow into memory and acts on it.
    private func activate(_ id: String) throws {
        let workflow = try jobs.store.workflow(matching: id)
        let records = try jobs.store.workflowJobs(workflowID: id, withRequirements: true)
        var run = WorkflowRun(id: id, records: records.map { r in
            let state: WorkflowRun.State
            if r.status.isFinal {
                state = .ended(r.status, exitCode: r.exitCode)
            } else {
                state = r.started ? .started : .waiting
            }
            return (r.jobID, r.name, r.requirements, state)
        }, stopRequested: workflow.stopRequested)
        for (i, node) in run.nodes.enumerated() { owners[node.jobID] = (id, i) }
        // Jobs that ended while no server ran: copy their ends into the workflow's record now.
        for r in records where r.started && r.status.isFinal {
            if let job = try? jobs.store.job(id: r.jobID) { try? jobs.store.recordWorkflowJobEnd(job) }
        }
        let actions = run.settleAll()
        runs[id] = run
        if workflow.status == .pending {
            try jobs.store.setWorkflowStatus(id: id, to: .running)
        }
        perform(actions, in: id)
        if workflow.stopRequested {
            Task { await self.stopStartedJobs(of: id); self.finishIfDone(id) }
        }
        finishIfDone(id)
    }

    private func handle(_ event: JobEvent) {
        guard case .transitioned(let job, _) = event, let owner = owners[job.id], runs[owner.workflow] != nil else {
            return
        }
        if job.status.isFinal {
            jobEnded(job, workflow: owner.workflow, node: owner.node)
            finishIfDone(owner.workflow)
        } else {
            runs[owner.workflow]!.markStarted(owner.node)
        }
    }

    /// A started job of `workflow` ended: its end is copied into the workflow's record (once),
    /// and its dependents are decided.
    private func jobEnded(_ job: Job, workflow: String, node i: Int) {
        guard let state = runs[workflow]?.nodes[i].state else { return }
        if case .ended = state { return }
        do {
            try jobs.store.recordWorkflowJobEnd(job)
        } catch {
            FileHandle.standardError.write(Data("workflow \(workflow): could not store end of job \(job.id): \(error)\n".utf8))
        }
        let actions = runs[workflow]!.end(i, job.status, exitCode: job.exitCode)
        perform(actions, in: workflow)
    }

    private func perform(_ actions: [WorkflowRun.Action], in workflow: String) {
        for action in actions {
            switch action {
            case .start(let i):
                launchQueue.append((workflow, i))
            case .cancel(let i, let reason):
                guard let node = runs[workflow]?.nodes[i] else { continue }
                do {
                    try jobs.store.endUnstartedWorkflowJob(jobID: node.jobID, as: .canceled, reason: reason)
                } catch {
                    // The in-memory decision stands; the row says PENDING until a restart decides again.
                    FileHandle.standardError.write(Data("workflow \(workflow): could not store cancellation of \(node.name): \(error)\n".utf8))
                }
            }
        }
        pumpLaunches()
    }

    private func pumpLaunches() {
        while launchesInFlight < launchWindow, launchQueueHead < launchQueue.count {
            let next = launchQueue[launchQueueHead]
            launchQueueHead += 1
            launchesInFlight += 1
            Task { await self.launch(workflow: next.workflow, node: next.node) }
        }
        if launchQueueHead == launchQueue.count {
            launchQueue.removeAll(keepingCapacity: true)
            launchQueueHead = 0
        }
    }

    private func launch(workflow: String, node i: Int) async {
        defer {
            launchesInFlight -= 1
            if launchesInFlight == 0, launchQueueHead == launchQueue.count {
                launchWindow = 1  // idle: the next burst ramps up again
            } else {
                launchWindow = min(maxConcurrentLaunches, launchWindow * 2)
            }
            pumpLaunches()
        }
        // Copy out what is needed: holding `runs[workflow]` across the await would make every
        // later mutation copy the workflow's node array.
        guard let node = runs[workflow]?.nodes[i], node.state == .launching else { return }
        let jobID = node.jobID
        if runs[workflow]?.stopRequested == true {
            endUnstarted(workflow: workflow, node: i, as: .canceled, reason: "not run: workflow stopped by request")
            return
        }
        do {
            let spec = try jobs.store.workflowSpec(jobID: jobID)
            let files = spec.uploadFiles.isEmpty && spec.uploadDirectories.isEmpty
                ? [] : try jobs.store.workflowFiles(workflowID: workflow)
            _ = try await jobs.submit(spec.request(files: files), id: jobID)
            runs[workflow]?.markStarted(i)
            if runs[workflow]?.stopRequested == true {
                _ = try? await jobs.stop(jobID)
            }
        } catch JobletError.alreadyExists {
            runs[workflow]?.markStarted(i)   // started before a restart: never twice
        } catch {
            let message = JobletError(wrapping: error, doing: "starting workflow job").message
            endUnstarted(workflow: workflow, node: i, as: .failed, reason: "could not start: \(message)")
        }
    }

    private func endUnstarted(workflow: String, node i: Int, as status: JobStatus, reason: String) {
        guard let node = runs[workflow]?.nodes[i] else { return }
        try? jobs.store.endUnstartedWorkflowJob(jobID: node.jobID, as: status, reason: reason)
        let actions = runs[workflow]!.end(i, status, exitCode: nil)
        perform(actions, in: workflow)
        finishIfDone(workflow)
    }

    /// Stops every job of the workflow that started (or is being launched: one whose job does not
    /// exist yet is stopped by `launch` once it does), and records their ends at once rather than
    /// waiting for the events, so that StopWorkflow answers with the final status.
    private func stopStartedJobs(of workflow: String) async {
        guard let nodes = runs[workflow]?.nodes else { return }
        let targets = nodes.enumerated().filter { $0.element.state == .started || $0.element.state == .launching }
            .map { (index: $0.offset, id: $0.element.jobID) }
        let ended = await withTaskGroup(of: (Int, Job?).self) { group in
            for target in targets {
                group.addTask { [jobs] in (target.index, try? await jobs.stop(target.id)) }
            }
            var result: [(Int, Job)] = []
            for await (index, job) in group { if let job { result.append((index, job)) } }
            return result
        }
        for (index, job) in ended where job.status.isFinal {
            jobEnded(job, workflow: workflow, node: index)
        }
    }

    private func finishIfDone(_ workflow: String) {
        guard let run = runs[workflow], run.isDone else { return }
        let (status, reason) = run.outcome()
        do {
            try jobs.store.setWorkflowStatus(id: workflow, to: status, reason: reason)
        } catch {
            FileHandle.standardError.write(Data("workflow \(workflow): could not store final status: \(error)\n".utf8))
            return
        }
        runs[workflow] = nil
        for node in run.nodes { owners[node.jobID] = nil }
    }
}
