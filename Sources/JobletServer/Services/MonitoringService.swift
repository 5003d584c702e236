import Foundation
import JobletAPI
import JobletCore
import JobletLinux
import RPC
import SkyPilotAdapter

/// `joblet.MonitoringService`: the host's status and metrics (JobletLinux's readers, mapped by
/// `MonitoringMapping`), and our additions GetJobMetrics / StreamJobMetrics (a job's cgroup usage).
/// Nothing runs between calls: a sample is read when someone asks.
public struct MonitoringService: Sendable {
    let sampler: SystemSampler
    let nodeID: String
    let engine: JobEngine
    let usage: JobUsageTracker

    /// Longest stream interval we accept (a day); a stream's interval 0 means the default.
    static let maxIntervalSeconds: Int32 = 86_400
    static let defaultStreamInterval: Int32 = 5

    public init(sampler: SystemSampler, nodeID: String, engine: JobEngine, usage: JobUsageTracker) {
        self.sampler = sampler
        self.nodeID = nodeID
        self.engine = engine
        self.usage = usage
    }

    public func register(on router: RPCRouter) {
        let m = Joblet_MonitoringService.Method.self
        let sampler = self.sampler, nodeID = self.nodeID
        router.unary(m.getSystemStatus, Joblet_EmptyRequest.self) { _, _ in
            MonitoringMapping.status(await Self.offPool { sampler.sample(.all) }, nodeID: nodeID)
        }
        router.serverStreaming(m.streamSystemMetrics, Joblet_StreamMetricsReq.self, Joblet_SystemMetricsRes.self) { req, stream, _ in
            let sections: MetricSections
            switch MetricSections.parse(req.metricTypes) {
            case .success(let s): sections = s
            case .failure(let e):
                throw RPCError(.invalidArgument, "metricTypes: unknown type '\(e.name)'; use cpu, memory, disk, network, io, process or cloud")
            }
            let interval = try Self.interval(req.intervalSeconds, default: Self.defaultStreamInterval)
            // Its own sampler: rates cover exactly this stream's interval, whoever else asks.
            let own = sampler.fork()
            await Self.offPool { own.prime(sections) }
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(Int(interval)))
                let sample = await Self.offPool { own.sample(sections) }
                try await stream.send(MonitoringMapping.metrics(sample, nodeID: nodeID, sections: sections))
            }
        }
        registerJobMetrics(on: router)
    }

    /// A sample reads a few hundred /proc files (milliseconds): on a Dispatch thread, not on one
    /// of the few threads of Swift's cooperative pool, which also run every other RPC handler.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    /// intervalSeconds must be 1...86400; 0 takes the default.
    static func interval(_ value: Int32, default fallback: Int32) throws -> Int32 {
        if value == 0 { return fallback }
        guard (1...maxIntervalSeconds).contains(value) else {
            throw RPCError(.invalidArgument, "intervalSeconds must be 1-\(maxIntervalSeconds), got \(value)")
        }
        return value
    }
}
