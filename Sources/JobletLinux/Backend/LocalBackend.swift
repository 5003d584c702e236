import Foundation
import JobletCore
import Synchronization

/// The local backend: JobletCore's jobs run through `LocalJobRunner` (namespaces, cgroups,
/// pivot_root). The runner's `JobProcessHandle` is the backend state stored with each job, so
/// a restarted jobletd can re-adopt the process. Stateless besides the runner.
public final class LocalBackend: JobBackend {
    public let name = "local"
    let runner: LocalJobRunner
    let jobsDirectory: URL
    let user: JobUser?
    /// Stored with each job it runs (the server's node id; the host name when none is given).
    let nodeID: String
    /// One uid per job (issue 16); nil: every job runs as `user` (or the runner's default, nobody).
    let uids: JobUIDAllocator?
    /// Running jobs' counter files, open while /metrics reads them (LocalBackend+Usage).
    let counters = CgroupCounterCache()
    /// Networks and volumes (issue 15), given once by the daemon (`use(networks:volumes:)`).
    let registries = Mutex<Registries>(Registries())
    /// Installed runtimes (runtimes issue); nil: a job naming a runtime is refused.
    public let runtimes: RuntimeLibrary?

    /// `dataDirectory/jobs/<id>` holds each job's workspace and exit status. `uidRange`: the
    /// first uid and how many, for one uid per job (`JobUIDAllocator`).
    public init(runner: LocalJobRunner, dataDirectory: URL, user: JobUser? = nil, nodeID: String? = nil,
                uidRange: (first: UInt32, count: UInt32)? = nil, runtimes: RuntimeLibrary? = nil) {
        self.runner = runner
        self.runtimes = runtimes
        self.jobsDirectory = dataDirectory.appendingPathComponent("jobs")
        self.user = user
        self.nodeID = nodeID ?? Self.hostName
        self.uids = uidRange.map { JobUIDAllocator(first: $0.first, count: $0.count, jobsDirectory: dataDirectory.appendingPathComponent("jobs").path) }
    }

    public func canRun(_ request: JobRequest) -> JobletError? {
        if request.gpuCount > 0 {
            return .failedPrecondition("GPU jobs need a SkyPilot API server: start one with 'sky api start' and pass --skypilot-endpoint")
        }
        if case .skyPilot(let infra) = InfraRoute(infra: request.infra) {  // training (issue 19)
            return .failedPrecondition("infra '\(infra)' runs jobs through SkyPilot: configure skypilot.endpoint (--skypilot-endpoint) to send jobs there, or omit infra (or use 'local') to run on this host")
        }
        if let refusal = networkAndVolumeRefusal(request) { return refusal }
        var check = CommandCheck(request: request, defaultPath: LocalJobRunnerConfig.defaultPath)
        if !request.runtime.isEmpty {
            guard let runtimes else { return .failedPrecondition("runtime '\(request.runtime)': this server has no runtimes directory configured") }
            switch runtimes.resolve(request.runtime) {
            case .failure(let e): return e
            case .success(let runtime):
                check = CommandCheck(request: request, defaultPath: Self.environment(request, runtime: runtime.manifest)["PATH"]
                                        ?? LocalJobRunnerConfig.defaultPath, mounts: runtime.mounts)
            }
        }
        return check.refusal()
    }

    public func isMeant(for request: JobRequest) -> Bool { request.gpuCount == 0 && InfraRoute(infra: request.infra) == .local }

    public func start(job: Job, request: JobRequest, events: JobEventSink) async throws {
        // Resolved again at start: a scheduled job's runtime may have changed or gone meanwhile.
        var runtime: InstalledRuntime?
        if !request.runtime.isEmpty {
            guard let runtimes else { throw JobletError.failedPrecondition("runtime '\(request.runtime)': this server has no runtimes directory configured") }
            runtime = try runtimes.resolve(request.runtime).get()
        }
        var user = self.user
        if let uids {
            do { user = try uids.allocate() } catch { throw JobletError.resourceExhausted("\(error)") }
        }
        var spec = JobLaunchSpec(
            jobID: job.id, command: request.command, arguments: request.args,
            environment: Self.environment(request, runtime: runtime?.manifest),
            workDirectory: (try? JobRequestValidator.workspaceRelativeWorkDir(request.workDir)) ?? request.workDir,
            jobDirectory: jobsDirectory.appendingPathComponent(job.id).path,
            logPath: events.logFile.path,
            limits: Self.limits(request.limits),
            uploads: request.uploads.map { u in
                u.isDirectory ? .directory(u.path, mode: u.mode == 0 ? 0o755 : u.mode)
                              : .file(u.path, u.content, mode: u.mode == 0 ? 0o644 : u.mode)
            },
            user: user)
        spec.workspaceMB = request.workspaceLimitMB > 0 ? request.workspaceLimitMB : nil
        // The runtime's trees first: a volume may be mounted inside one of them.
        spec.mounts += runtime?.mounts ?? []
        do {
            try attachNetworkAndVolumes(job: job, request: request, to: &spec)
        } catch {
            releaseNetwork(jobID: job.id)
            if let uids, let uid = user?.uid, uids.owner(ofJob: job.id) != uid { uids.release(uid) }
            throw error
        }
        let handle: JobProcessHandle
        let uids = self.uids
        do {
            // The spawn blocks until the job's command has exec'd: do it on a Dispatch thread, not
            // on one of the few threads of Swift's cooperative pool, which also run RPC handlers.
            let runner = self.runner, launch = spec
            handle = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(with: Result { try runner.start(launch) }) }
            }
        } catch {
            // Nothing of the job's owns the uid (no workspace was made): it may go to another job.
            if let uids, let uid = user?.uid, uids.owner(ofJob: job.id) != uid { uids.release(uid) }
            releaseNetwork(jobID: job.id)
            throw JobletError.failedPrecondition("cannot start job: \(error)")
        }
        // handle.warnings are in the log already: the runner wrote them before the job's init took it.
        // The handle (what a restarted server re-adopts by) is stored with RUNNING, in one commit.
        do {
            try await events.transition(to: .running, state: try JSONEncoder().encode(handle), nodeID: nodeID)
        } catch {
            // Stopped (or deleted) while it was being spawned: nothing may run that no record watches.
            _ = try? await runner.stop(handle, grace: .zero)
            runner.forget(handle)
            releaseNetwork(jobID: job.id)
            throw error
        }
        watch(handle, events: events)
    }

    public func stop(job: Job, grace: Duration) async throws {
        guard let handle = Self.handle(of: job) else { return }
        if !runner.trackedJobIDs.contains(job.id) { _ = runner.adopt(handle) }
        thawIfPaused(job, handle)  // training (issue 19)
        do {
            _ = try await runner.stop(handle, grace: grace)
        } catch where !runner.trackedJobIDs.contains(job.id) {
            // The watcher collected the exit, reported it and forgot the job while we waited.
        }
    }

    public func adopt(job: Job, events: JobEventSink) async {
        guard let handle = Self.handle(of: job) else {
            let started = runner.discardUnrecorded(jobID: job.id, jobDirectory: jobsDirectory.appendingPathComponent(job.id).path)
            releaseNetwork(jobID: job.id)
            if !started, job.status == .initializing, let request = try? events.request() {
                await relaunch(job, request: request, events: events)
                return
            }
            _ = try? await events.transition(to: .failed, exitCode: -1, reason: started
                ? "jobletd stopped while the job was starting; it may have run in part, so it was not started again"
                : "jobletd stopped before the job's process was started")
            return
        }
        switch runner.adopt(handle) {
        case .running(let h):
            if job.status == .initializing { _ = try? await events.transition(to: .running) }
            watch(h, events: events)
        case .exited(let exit):
            await report(exit, events: events)
            runner.forget(handle)
        }
    }

    /// A job jobletd had stored but not started when it stopped (killed in between): nothing of it
    /// ran, so it starts now, once, from a clean directory and log, as if jobletd had not stopped.
    /// A workflow's job (or an accepted RunJob) is not lost to a restart.
    private func relaunch(_ job: Job, request: JobRequest, events: JobEventSink) async {
        do {
            try removeFiles(jobID: job.id)  // the first attempt's workspace (uploads) and uid
            _ = truncate(events.logFile.path, 0)  // only jobletd's own warnings were there
            try await start(job: job, request: request, events: events)
        } catch {
            let message = (error as? JobletError)?.message ?? "\(error)"
            _ = try? await events.transition(to: .failed, exitCode: -1,
                                             reason: "could not start after jobletd restarted: \(message)")
        }
    }

    public func removeFiles(jobID: String) throws {
        let uid = uids?.owner(ofJob: jobID)
        try JobDirectoryRemover.remove(jobID: jobID, under: jobsDirectory.path)
        if let uid { uids?.release(uid) }  // its files are gone: a later job may have it
    }

    private func watch(_ handle: JobProcessHandle, events: JobEventSink) {
        Task {
            do {
                let exit = try await runner.waitForExit(handle)
                await report(exit, events: events)
            } catch {
                _ = try? await events.transition(to: .failed, exitCode: -1, reason: "lost track of the job: \(error)")
            }
            runner.forget(handle)
        }
    }

    private func report(_ exit: JobExit, events: JobEventSink) async {
        releaseNetwork(jobID: events.jobID)
        events.logAppended()
        events.keepArtifacts(workspace: jobsDirectory.appendingPathComponent(events.jobID).appendingPathComponent("workspace"))  // training (issue 19)
        if exit.usage.cpuNanoseconds != nil { try? events.recordFinalUsage(Self.jobUsage(exit.usage)) }
        let status: JobStatus = exit.stopped ? .stopped : (exit.exitCode == 0 && exit.signal == nil ? .completed : .failed)
        // DESIGN: a stopped job's code is -1 unless it exited by itself (a TERM handler's `exit 3`).
        let code = exit.stopped && exit.signal != nil ? -1 : exit.exitCode
        _ = try? await events.transition(to: status, exitCode: code,
                                         reason: exit.reason.isEmpty ? nil : exit.reason)
    }

    /// This host's name, looked up once (Foundation's `hostName` may resolve it each time).
    static let hostName = ProcessInfo.processInfo.hostName

    static func handle(of job: Job) -> JobProcessHandle? {
        guard let state = job.backendState else { return nil }
        return try? JSONDecoder().decode(JobProcessHandle.self, from: state)
    }

    /// A clean base, then the runtime's variables (`PATH_PREPEND` in front of PATH), then the
    /// request's variables, then its secrets.
    static func environment(_ r: JobRequest, runtime: RuntimeManifest? = nil) -> [String: String] {
        var env = ["PATH": LocalJobRunnerConfig.defaultPath, "HOME": "/work", "LANG": "C.UTF-8",
                   "JOBLET_METRICS_FILE": metricsFileInJob]  // training (issue 19)
        if let runtime { env = runtime.applyEnvironment(to: env) }
        env.merge(r.environment) { _, new in new }
        env.merge(r.secretEnvironment) { _, new in new }
        return env
    }

    static func limits(_ l: ResourceLimits) -> CgroupLimits {
        CgroupLimits(maxCPUPercent: l.maxCPU > 0 ? l.maxCPU : nil,
                     cpuCores: l.cpuCores.isEmpty ? nil : l.cpuCores,
                     maxMemoryMB: l.maxMemoryMB > 0 ? l.maxMemoryMB : nil,
                     maxIOBPS: l.maxIOBPS > 0 ? UInt64(l.maxIOBPS) : nil,
                     maxPids: l.maxPIDs > 0 ? l.maxPIDs : CgroupLimits.defaultMaxPids)
    }
}
