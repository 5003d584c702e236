import Synchronization
import JobletAPI
import RPC

/// `grpc.health.v1.Health`: "" is the whole server; each registered service has its own
/// status. Watch streams the current status, then every change until the client leaves.
public final class HealthService: Sendable {
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = [:]
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher = 0
    }
    private let state = Mutex(State())

    public init(services: [String]) {
        state.withLock { s in
            s.statuses[""] = .serving
            for name in services { s.statuses[name] = .serving }
        }
    }

    public func set(_ service: String, _ status: Status) {
        let targets = state.withLock { s -> [AsyncStream<Status>.Continuation] in
            s.statuses[service] = status
            return s.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for t in targets { t.yield(status) }
    }

    /// Every service NOT_SERVING: called when the server starts shutting down.
    public func markAllNotServing() {
        let names = state.withLock { Array($0.statuses.keys) }
        for n in names { set(n, .notServing) }
    }

    public func register(on router: RPCRouter) {
        router.unary(Grpc_Health_V1_Health.Method.check, Grpc_Health_V1_HealthCheckRequest.self, execution: .eventLoop) { [self] req, _ in
            guard let status = state.withLock({ $0.statuses[req.service] }) else {
                throw RPCError(.notFound, "unknown service: \(req.service)")
            }
            var resp = Grpc_Health_V1_HealthCheckResponse()
            resp.status = status
            return resp
        }
        router.serverStreaming(Grpc_Health_V1_Health.Method.watch, Grpc_Health_V1_HealthCheckRequest.self,
                               Grpc_Health_V1_HealthCheckResponse.self, execution: .eventLoop) { [self] req, stream, context in
            let (updates, continuation) = AsyncStream<Status>.makeStream()
            let id = state.withLock { s -> Int in
                let id = s.nextWatcher
                s.nextWatcher += 1
                s.watchers[id] = (req.service, continuation)
                continuation.yield(s.statuses[req.service] ?? .serviceUnknown)
                return id
            }
            defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
            try await withTaskCancellationHandler {
                var last: Status?
                for await status in updates {
                    if status == last { continue }
                    last = status
                    var resp = Grpc_Health_V1_HealthCheckResponse()
                    resp.status = status
                    try await stream.send(resp)
                }
            } onCancel: {
                continuation.finish()
            }
            _ = context
        }
    }
}
