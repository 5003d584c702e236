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
            return try await Self.sample(job, usage: usage, engine: engine)
        }
        router.serverStreaming(m.streamJobMetrics, Joblet_JobMetricsReq.self, Joblet_JobMetricsSample.self) { req, stream, _ in
            let interval = try Self.interval(req.intervalSeconds, default: 1)
            var job = try await JobService.translating { try engine.job(req.uuid) }
            // Bounded: a job ends, or the client goes away (the sleep throws on cancellation).
            while true {
                let sample = try await Self.sample(job, usage: usage, engine: engine)
                try await stream.send(sample)
                if sample.final { return }
                try await Task.sleep(for: .seconds(Int(interval)))
                job = try await JobService.translating { try engine.job(job.id) }
            }
        }
    }

    /// How long a running job without a reading is read again: one that ends between its status
    /// read and its usage read has lost its cgroup before its final status is stored.
    static let endingJobRetries = 50
    static let endingJobRetryInterval: Duration = .milliseconds(20)

    static func sample(_ job: Job, usage: JobUsageTracker, engine: JobEngine) async throws -> Joblet_JobMetricsSample {
        if job.backend == SkyPilotBackend.backendName {
            throw RPCError(.failedPrecondition, "job \(job.id) runs through SkyPilot on a remote cluster: its resource usage is not visible to this server (see SkyPilot's dashboard or `sky jobs queue`)")
        }
        var job = job
        var reading = usage.reading(of: job)
        // A RUNNING or PAUSED job always has a cgroup to read, unless it is ending right now:
        // read its status again until its final status (and kept totals) are stored.
        var retries = 0
        while reading == nil, job.status == .running || job.status == .paused, retries < Self.endingJobRetries {
            retries += 1
            try await Task.sleep(for: Self.endingJobRetryInterval)
            job = try await JobService.translating { try engine.job(job.id) }
            reading = usage.reading(of: job)
        }
        guard let reading else {
            if job.status.isFinal {
                throw RPCError(.failedPrecondition, "job \(job.id) ended (\(job.status.rawValue)) without usage recorded: it never ran, or ended before this server recorded usage")
            }
            throw RPCError(.failedPrecondition, "job \(job.id) is \(job.status.rawValue): it has no usage to read until it runs")
        }
        return MonitoringMapping.jobSample(job, reading)
    }
}
