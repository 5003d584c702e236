import Foundation
import Synchronization

/// The /metrics listener and the task that follows job events, both only with `metricsAddress`.
final class MetricsRuntime: Sendable {
    let state = Mutex<(listener: MetricsHTTPListener?, follower: Task<Void, Never>?)>((nil, nil))
}

extension JobletDaemon {
    /// The port /metrics is served on, once started.
    public var metricsPort: Int? { metricsRuntime.state.withLock { $0.listener?.port } }

    func startMetrics() throws {
        guard let metrics, let (host, port) = configuration.metricsAddress else { return }
        let server = self.server
        metrics.connectionCount = { server.connectionCount }
        let listener = try MetricsHTTPListener(host: host, port: port) { metrics.scrape() }
        let follower = Task { await metrics.followJobEvents() }
        metricsRuntime.state.withLock { $0 = (listener, follower) }
    }

    func stopMetrics() {
        let (listener, follower) = metricsRuntime.state.withLock { s in
            defer { s = (nil, nil) }
            return s
        }
        follower?.cancel()
        listener?.shutdown()
    }
}
