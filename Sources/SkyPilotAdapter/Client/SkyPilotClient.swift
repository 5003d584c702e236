import Foundation
import Logging
import RPC
import Synchronization

/// REST client for SkyPilot's API server (protocol notes: shared/skypilot/PROTOCOL.md).
///
/// Follows the server's asynchronous request model: a POST answers at once with an
/// `X-Skypilot-Request-ID`; `/api/get` then long-polls until that request is done. Every call has
/// a timeout; network errors and 503s are retried with jittered exponential back-off for
/// `retryWindow`. HTTP/1.1 goes through jobletd's own client (`RPC.HTTP1Client`: our event loop,
/// OpenSSL for https), started on the first call.
///
/// Concurrency: immutable after init apart from that lazily started client; safe to share. Call
/// `shutdown()` once when done.
public final class SkyPilotClient: Sendable {
    public let configuration: SkyPilotConfiguration
    let logger: Logger
    let endpoint: HTTP1Endpoint
    private let client = Mutex<HTTP1Client?>(nil)
    private let isShutDown = Atomic<Bool>(false)

    public init(configuration: SkyPilotConfiguration, logger: Logger = Logger(label: "jobletd.skypilot")) {
        self.configuration = configuration
        self.logger = logger
        let url = configuration.endpoint
        let secure = url.scheme?.lowercased() == "https"
        endpoint = HTTP1Endpoint(secure: secure, host: url.host ?? "127.0.0.1", port: url.port ?? (secure ? 443 : 80))
    }

    /// The HTTP client, started on first use.
    func http() throws -> HTTP1Client {
        try client.withLock { current in
            if let current { return current }
            guard !isShutDown.load(ordering: .acquiring) else {
                throw SkyPilotError.unreachable(endpoint: configuration.endpoint.absoluteString, detail: "the client was shut down")
            }
            var settings = HTTP1Client.Configuration()
            settings.connectTimeout = .seconds(5)
            settings.caFile = configuration.caFile
            let made: HTTP1Client
            do {
                made = try HTTP1Client(configuration: settings)
            } catch {
                throw SkyPilotError.unreachable(endpoint: configuration.endpoint.absoluteString, detail: "cannot start the HTTP client: \(error)")
            }
            current = made
            return made
        }
    }

    /// Ends the calls still running and stops the HTTP client. The client cannot be used afterwards.
    public func shutdown() async throws {
        isShutDown.store(true, ordering: .releasing)
        let running = client.withLock { current -> HTTP1Client? in
            defer { current = nil }
            return current
        }
        await running?.shutdown()
    }

    // MARK: Health

    /// `GET /api/health`: the server's status and API version.
    public func health(retrying: Bool = true) async throws -> SkyPilotHealth {
        let reply = try await send(.GET, "/api/health", retry: retrying ? .idempotent : .once)
        try expectOK(reply, path: "/api/health")  // a 401 is "refused our credentials", not a decoding error
        return try decode(SkyPilotHealth.self, from: reply, path: "/api/health")
    }

    // MARK: The asynchronous request model

    /// `GET /api/get`, bounded by `resultTimeout` per long-poll and `requestDeadline` in all:
    /// the finished request, or the error it ended with.
    public func result(of requestID: String) async throws -> SkyPilotRequest {
        let start = ContinuousClock.now
        while true {
            let reply: HTTPReply
            do {
                reply = try await send(.GET, "/api/get", query: [("request_id", requestID)],
                                       timeout: configuration.resultTimeout, retry: .longPoll)
            } catch is LongPollExpired {
                // Our own long-poll limit: the request still runs. Check that it still exists, then wait on.
                guard try await requestStatus(requestID) != nil else {
                    throw SkyPilotError.requestNotFound(requestID: requestID)
                }
                if ContinuousClock.now - start > configuration.requestDeadline {
                    throw SkyPilotError.requestTimedOut(requestID: requestID, after: configuration.requestDeadline)
                }
                continue
            }
            switch reply.status {
            case 200:
                let request = try decode(SkyPilotRequest.self, from: reply, path: "/api/get")
                if request.status == "CANCELLED" { throw SkyPilotError.requestCancelled(requestID: requestID) }
                return request
            case 404:
                throw SkyPilotError.requestNotFound(requestID: requestID)
            case 500:
                if let failed = try? JSONDecoder().decode(RequestFailure.self, from: reply.data),
                   let (type, message) = failed.detail.decodedError {
                    throw SkyPilotError.requestFailed(requestID: requestID, type: type, message: message)
                }
                throw SkyPilotError.httpStatus(code: 500, path: "/api/get", detail: reply.detail)
            default:
                throw statusError(reply, path: "/api/get")
            }
        }
    }

    /// `GET /api/status?request_ids=ID`: the request (without result), or nil if the server does
    /// not know it (after a server restart, request ids are gone).
    public func requestStatus(_ requestID: String) async throws -> SkyPilotRequest? {
        let reply = try await send(.GET, "/api/status", query: [("request_ids", requestID), ("all_status", "true")],
                                   retry: .idempotent)
        try expectOK(reply, path: "/api/status")
        let requests = try decode([SkyPilotRequest].self, from: reply, path: "/api/status")
        return requests.first { $0.requestID == requestID } ?? requests.first
    }

    /// Unfinished API requests (`/api/status` without ids), e.g. a launch still being processed.
    public func activeRequests() async throws -> [SkyPilotRequest] {
        let reply = try await send(.GET, "/api/status", retry: .idempotent)
        try expectOK(reply, path: "/api/status")
        return try decode([SkyPilotRequest].self, from: reply, path: "/api/status")
    }

    // MARK: Managed jobs

    /// `POST /jobs/launch`: the launch request's id. Retried only while it cannot have reached the
    /// server (refused connection, 503); otherwise `SkyPilotError.responseLost`, and the caller
    /// looks the job up by name before launching again, so a job is never launched twice.
    public func launchManagedJob(task: String, name: String) async throws -> String {
        let body = LaunchBody(task: task, name: name, envVars: submitterEnvironment)
        let reply = try await send(.POST, "/jobs/launch", body: body, retry: .onlyIfNotSent)
        return try requestID(of: reply, path: "/jobs/launch")
    }

    /// The SkyPilot job id a finished launch request returned.
    public func launchedJobID(requestID: String) async throws -> Int {
        let request = try await result(of: requestID)
        guard let launched = try? request.decodedReturnValue(SkyPilotLaunchResult.self),
              let id = launched.jobIDs.first
        else {
            throw SkyPilotError.malformedResponse(path: "/api/get",
                                                  detail: "launch result has no job_id: \(request.returnValue ?? "nil")")
        }
        return id
    }

    /// `POST /jobs/queue/v2` for these job ids (all users), then its result.
    public func managedJobs(ids: [Int]) async throws -> [SkyPilotManagedJob] {
        try await queue(QueueBody(jobIDs: ids, nameMatch: nil, envVars: submitterEnvironment))
            .filter { ids.contains($0.jobID) }
    }

    /// Managed jobs whose name is exactly `name` (the queue's `name_match` is a substring filter).
    public func managedJobs(named name: String) async throws -> [SkyPilotManagedJob] {
        try await queue(QueueBody(jobIDs: nil, nameMatch: name, envVars: submitterEnvironment))
            .filter { $0.jobName == name }
    }

    /// `POST /jobs/cancel {job_ids}` and wait for the request. Its result says nothing about the
    /// outcome (always null): confirm through the queue.
    public func cancelManagedJobs(ids: [Int]) async throws {
        let reply = try await send(.POST, "/jobs/cancel", body: CancelBody(jobIDs: ids, envVars: submitterEnvironment),
                                   retry: .idempotent)
        _ = try await result(of: try requestID(of: reply, path: "/jobs/cancel"))
    }

    /// `POST /jobs/logs`: the job's output, streamed in the response; `<sky-payload>` control
    /// lines are dropped and ANSI codes stripped before `onLine` sees a line. Returns when the
    /// stream ends (with `follow`, when the job is final).
    public func streamManagedJobLogs(jobID: Int, follow: Bool,
                                     onLine: @escaping @Sendable (String) async throws -> Void) async throws {
        let body = LogsBody(jobID: jobID, follow: follow, envVars: submitterEnvironment)
        try await stream(.POST, "/jobs/logs", body: body, onLine: onLine)
    }

    /// `GET /api/stream?request_id=ID&format=plain`: an API request's own log (e.g. a launch's
    /// provisioning progress), until the request is done when `follow`.
    public func streamRequestLog(requestID: String, follow: Bool,
                                 onLine: @escaping @Sendable (String) async throws -> Void) async throws {
        let query = [("request_id", requestID), ("format", "plain"), ("follow", follow ? "true" : "false")]
        // Console-style progress lines come padded with spaces to the terminal's width.
        try await stream(.GET, "/api/stream", query: query) { line in
            try await onLine(String(line.reversed().drop { $0 == " " }.reversed()))
        }
    }

    // MARK: Internals

    var submitterEnvironment: [String: String] {
        ["SKYPILOT_USER_ID": configuration.submitterUserID, "SKYPILOT_USER": configuration.submitterName]
    }

    private func queue(_ body: QueueBody) async throws -> [SkyPilotManagedJob] {
        let reply = try await send(.POST, "/jobs/queue/v2", body: body, retry: .idempotent)
        let request = try await result(of: try requestID(of: reply, path: "/jobs/queue/v2"))
        guard let queue = try request.decodedReturnValue(SkyPilotQueueResult.self) else {
            throw SkyPilotError.malformedResponse(path: "/jobs/queue/v2", detail: "null result")
        }
        return queue.jobs
    }

    private func requestID(of reply: HTTPReply, path: String) throws -> String {
        try expectOK(reply, path: path)
        guard let id = reply.headers.first(name: "X-Skypilot-Request-ID"), !id.isEmpty else {
            throw SkyPilotError.malformedResponse(path: path, detail: "no X-Skypilot-Request-ID header")
        }
        return id
    }

    private func expectOK(_ reply: HTTPReply, path: String) throws {
        guard reply.status == 200 else { throw statusError(reply, path: path) }
    }

    private func statusError(_ reply: HTTPReply, path: String) -> SkyPilotError {
        switch reply.status {
        case 401, 403: return .unauthorized(detail: reply.detail)
        case 400 where reply.detail.contains("version"): return .versionMismatch(detail: reply.detail)
        default: return .httpStatus(code: reply.status, path: path, detail: reply.detail)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from reply: HTTPReply, path: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: reply.data)
        } catch {
            throw SkyPilotError.malformedResponse(path: path, detail: "\(error)")
        }
    }
}

/// HTTP 500 body of a failed request: `{"detail": RequestPayload}`.
private struct RequestFailure: Decodable {
    var detail: SkyPilotRequest
}
