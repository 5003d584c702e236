import JobletAPI
import JobletCore
import RPC

/// `joblet.JobService` and the legacy `joblet.JobletService`: thin translations onto JobEngine.
/// The workflow methods are `WorkflowService`'s.
public struct JobService: Sendable {
    let engine: JobEngine
    /// This server's node id, shown on jobs whose backend recorded none (JobService+Monitoring).
    let nodeID: String
    /// Reads running jobs' usage for GetJobStatus; nil: no usage fields.
    let usage: JobUsageTracker?
    /// Events held for a WatchJobs caller that reads too slowly (JobService+Watch).
    let watchBacklog: Int

    public init(engine: JobEngine, nodeID: String = "", usage: JobUsageTracker? = nil, watchBacklog: Int = 10_000) {
        self.engine = engine
        self.nodeID = nodeID
        self.usage = usage
        self.watchBacklog = max(16, watchBacklog)
    }

    /// Runs `body`, turning domain errors into gRPC statuses.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as JobletError {
            throw JobMapping.rpcError(e)
        }
    }

    /// Handlers both services share (same messages on the wire).
    private var getStatus: @Sendable (Joblet_GetJobStatusReq, ServerContext) async throws -> Joblet_GetJobStatusRes {
        { [engine, self] req, _ in
            try await JobService.translating {
                let job = try engine.job(req.uuid)
                var r = withMonitoring(job)
                try withTraining(&r, job)  // training (issue 19)
                if let member = try engine.store.workflowMembership(jobIDs: [r.uuid])[r.uuid] {
                    r.workflowUuid = member.workflowID
                    r.dependencies = member.dependencies
                }
                return r
            }
        }
    }

    private var stop: @Sendable (Joblet_StopJobReq, ServerContext) async throws -> Joblet_StopJobRes {
        { [engine] req, _ in
            try await JobService.translating {
                let j = try await engine.stop(req.uuid)
                var r = Joblet_StopJobRes()
                r.uuid = j.id
                r.status = j.status.rawValue
                r.endTime = JobMapping.time(j.endedAt)
                r.exitCode = j.exitCode ?? 0
                return r
            }
        }
    }

    private var list: @Sendable (Joblet_EmptyRequest, ServerContext) async throws -> Joblet_Jobs {
        { [engine, self] _, _ in
            try await JobService.translating {
                var r = Joblet_Jobs()
                let members = try engine.store.workflowMembership()
                r.jobs = try engine.list().map { j in
                    var job = withNode(j)
                    if let member = members[j.id] {
                        job.workflowUuid = member.workflowID
                        job.dependencies = member.dependencies
                    }
                    return job
                }
                return r
            }
        }
    }

    private var logs: @Sendable (Joblet_GetJobLogsReq, ResponseStream<Joblet_DataChunk>, ServerContext) async throws -> Void {
        { [engine] req, stream, _ in try await JobService.streamLogs(engine: engine, id: req.uuid, to: stream) }
    }

    public func register(on router: RPCRouter) {
        let engine = self.engine
        let m = Joblet_JobService.Method.self
        router.unary(m.runJob, Joblet_RunJobRequest.self) { req, _ in
            try await JobService.translating {
                JobMapping.runJobResponse(try await engine.submit(JobMapping.request(req)))
            }
        }
        router.unary(m.getJobStatus, Joblet_GetJobStatusReq.self, getStatus)
        router.unary(m.stopJob, Joblet_StopJobReq.self, stop)
        router.unary(m.cancelJob, Joblet_CancelJobReq.self) { req, _ in
            try await JobService.translating {
                let j = try await engine.cancel(req.uuid)
                var r = Joblet_CancelJobRes()
                r.uuid = j.id
                r.status = j.status.rawValue
                return r
            }
        }
        router.unary(m.deleteJob, Joblet_DeleteJobReq.self) { req, _ in
            try await JobService.translating {
                let id = try engine.job(req.uuid).id
                try await engine.delete(id)
                var r = Joblet_DeleteJobRes()
                r.uuid = id
                r.success = true
                r.message = "job \(id) deleted"
                return r
            }
        }
        router.unary(m.deleteAllJobs, Joblet_DeleteAllJobsReq.self) { _, _ in
            try await JobService.translating {
                let d = try await engine.deleteAllFinal()
                var r = Joblet_DeleteAllJobsRes()
                r.success = true
                r.deletedCount = Int32(clamping: d.deleted)
                r.skippedCount = Int32(clamping: d.skipped)
                r.message = "deleted \(d.deleted) finished job(s); skipped \(d.skipped) still active"
                return r
            }
        }
        router.unary(m.listJobs, Joblet_EmptyRequest.self, list)
        router.serverStreaming(m.getJobLogs, Joblet_GetJobLogsReq.self, Joblet_DataChunk.self, logs)
        registerPaging(on: router)
        registerLegacy(on: router)
        registerPause(on: router)  // training (issue 19)
        registerTraining(on: router)
        registerArtifacts(on: router)
        registerWatch(on: router)
    }

    /// History first, then live output until the job is final; the reader reads the file at
    /// this client's pace, so a slow client never holds back the job or other readers.
    static func streamLogs(engine: JobEngine, id: String, to stream: ResponseStream<Joblet_DataChunk>) async throws {
        let reader = try await translating { try engine.maskedLogReader(id) }  // secrets as ***
        for try await chunk in reader {
            var c = Joblet_DataChunk()
            c.payload = chunk
            try await stream.send(c)
        }
    }

    private func registerLegacy(on router: RPCRouter) {
        let engine = self.engine
        let m = Joblet_JobletService.Method.self
        router.unary(m.runJob, Joblet_RunJobReq.self) { req, _ in
            try await JobService.translating { JobMapping.legacyJob(try await engine.submit(JobMapping.legacyRequest(req))) }
        }
        router.unary(m.getJobStatus, Joblet_GetJobStatusReq.self, getStatus)
        router.unary(m.stopJob, Joblet_StopJobReq.self, stop)
        router.unary(m.listJobs, Joblet_EmptyRequest.self, list)
        router.serverStreaming(m.getJobLogs, Joblet_GetJobLogsReq.self, Joblet_DataChunk.self, logs)
    }
}
