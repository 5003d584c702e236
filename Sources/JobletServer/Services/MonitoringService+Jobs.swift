import Foundation
import JobletAPI
import JobletCore
import RPC
import SkyPilotAdapter

/// GetJobMetrics / StreamJobMetrics: one job's usage from its cgroup; after it ended, the totals
/// kept in the database. A SkyPilot job runs on another machine whose cgroups we cannot read.
extension MonitoringService {
    func registerJobMetrics(on router: RPCRouter) {
        let m = Joblet_MonitoringService.Method.self
        let engine = self.engine, usage = self.usage
        router.unary(m.getJobMetrics, Joblet_JobMetricsReq.self) { req, _ in
            let job = try await JobService.translating { try engine.job(req.uuid) }
            return try Self.sample(job, usage: usage)
        }
        router.serverStreaming(m.streamJobMetrics, Joblet_JobMetricsReq.self, Joblet_JobMetricsSample.self) { req, stream, _ in
            let interval = try Self.interval(req.intervalSeconds, default: 1)
            var job = try await JobService.translating { try engine.job(req.uuid) }
            // Bounded: a job ends, or the client goes away (the sleep throws on cancellation).
            while true {
                let sample = try Self.sample(job, usage: usage)
                try await stream.send(sample)
                if sample.final { return }
                try await Task.sleep(for: .seconds(Int(interval)))
                job = try await JobService.translating { try engine.job(job.id) }
            }
        }
    }

    static func sample(_ job: Job, usage: JobUsageTracker) throws -> Joblet_JobMetricsSample {
        if job.backend == SkyPilotBackend.backendName {
            throw RPCError(.failedPrecondition, "job \(job.id) runs through SkyPilot on a remote cluster: its resource usage is not visible to this server (see SkyPilot's dashboard or `sky jobs queue`)")
        }
        guard let reading = usage.reading(of: job) else {
            if job.status.isFinal {
                throw RPCError(.failedPrecondition, "job \(job.id) ended (\(job.status.rawValue)) without usage recorded: it never ran, or ended before this server recorded usage")
            }
            throw RPCError(.failedPrecondition, "job \(job.id) is \(job.status.rawValue): it has no usage to read until it runs")
        }
        return MonitoringMapping.jobSample(job, reading)
    }
}
