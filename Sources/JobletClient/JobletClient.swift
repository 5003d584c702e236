import JobletAPI
import ProtoWire
import RPC

/// A typed client for `joblet.JobService` over one gRPC channel. Unary calls carry a deadline
/// (`timeout`); the log stream has none, since following a job may take as long as the job.
/// Every failure is a `JobletClientError` that reads as one line.
public final class JobletClient: Sendable {
    public let settings: ConnectionSettings
    public let timeout: Duration
    let channel: GRPCChannel

    public init(settings: ConnectionSettings, timeout: Duration = .seconds(30)) throws {
        self.settings = settings
        self.timeout = timeout
        let tls = try settings.makeTLSConfiguration()
        do {
            channel = try GRPCChannel(configuration: ClientConfiguration(host: settings.address.host, port: settings.address.port,
                                                                         tls: tls, serverName: settings.address.host))
        } catch {
            throw JobletClientError("cannot start a client for \(settings.address): \(error)")
        }
    }

    public func close() { channel.close() }

    /// `progress`, for large uploads: (bytes sent, bytes in all), called as the request goes out.
    public func runJob(_ request: Joblet_RunJobRequest,
                       progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Joblet_RunJobResponse {
        try await unary(Joblet_JobService.Method.runJob, request, progress: progress)
    }

    public func jobStatus(id: String) async throws -> Joblet_GetJobStatusRes {
        var request = Joblet_GetJobStatusReq()
        request.uuid = id
        return try await unary(Joblet_JobService.Method.getJobStatus, request)
    }

    public func stopJob(id: String) async throws -> Joblet_StopJobRes {
        var request = Joblet_StopJobReq()
        request.uuid = id
        return try await unary(Joblet_JobService.Method.stopJob, request)
    }

    public func cancelJob(id: String) async throws -> Joblet_CancelJobRes {
        var request = Joblet_CancelJobReq()
        request.uuid = id
        return try await unary(Joblet_JobService.Method.cancelJob, request)
    }

    public func deleteJob(id: String) async throws -> Joblet_DeleteJobRes {
        var request = Joblet_DeleteJobReq()
        request.uuid = id
        return try await unary(Joblet_JobService.Method.deleteJob, request)
    }

    public func deleteAllJobs() async throws -> Joblet_DeleteAllJobsRes {
        try await unary(Joblet_JobService.Method.deleteAllJobs, Joblet_DeleteAllJobsReq())
    }

    public func listJobs() async throws -> [Joblet_Job] {
        let jobs: Joblet_Jobs = try await unary(Joblet_JobService.Method.listJobs, Joblet_EmptyRequest())
        return jobs.jobs
    }

    /// One page of jobs, oldest first (ListJobsPage, a jobletd addition).
    public func listJobsPage(size: Int = 0, token: String = "", statuses: [String] = []) async throws -> Joblet_JobsPage {
        var request = Joblet_ListJobsPageRequest()
        request.pageSize = Int32(clamping: size)
        request.pageToken = token
        request.statuses = statuses
        return try await unary(Joblet_JobService.Method.listJobsPage, request)
    }

    /// Every job (in `statuses`, when given), page by page, so that no answer outgrows one
    /// message; from a server without ListJobsPage (upstream Joblet), ListJobs filtered here.
    public func allJobs(statuses: [String] = []) async throws -> [Joblet_Job] {
        var jobs: [Joblet_Job] = []
        var token = ""
        for _ in 0..<100_000 {
            let page: Joblet_JobsPage
            do {
                page = try await listJobsPage(size: 2_000, token: token, statuses: statuses)
            } catch let error as JobletClientError where error.code == .unimplemented && token.isEmpty {
                let wanted = Set(statuses.map { $0.uppercased() })
                return try await listJobs().filter { wanted.isEmpty || wanted.contains($0.status) }
            }
            jobs += page.jobs
            if page.nextPageToken.isEmpty { break }
            token = page.nextPageToken
        }
        return jobs
    }

    /// The job's output: everything so far, then live output until the job is final.
    /// Ending the iteration early (or cancelling the task) cancels the call.
    public func jobLogs(id: String) async throws -> AsyncThrowingStream<[UInt8], Error> {
        var request = Joblet_GetJobLogsReq()
        request.uuid = id
        let chunks = try await stream(Joblet_JobService.Method.getJobLogs, request, Joblet_DataChunk.self)
        return AsyncThrowingStream { continuation in
            let reader = Task {
                do {
                    for try await chunk in chunks { continuation.yield(chunk.payload) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            // Cancelling the reader ends its iteration, which cancels the call.
            continuation.onTermination = { _ in reader.cancel() }
        }
    }

    func unary<Req: ProtoMessage, Resp: ProtoMessage>(_ method: MethodDescriptor, _ request: Req,
                                                      progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Resp {
        do {
            return try await channel.unary(method, request, responseType: Resp.self,
                                           options: CallOptions(timeout: timeout, requestProgress: progress))
        } catch {
            throw translate(error, method)
        }
    }

    private func translate(_ error: Error, _ method: MethodDescriptor) -> Error {
        guard let rpc = error as? RPCError else { return error }
        return JobletClientError(rpc: rpc, path: method.path, server: settings.address)
    }
}
