import Foundation
import JobletCore
import JobletLinux
import Prometheus
import RPC
import SkyPilotAdapter
import Synchronization

/// jobletd's Prometheus metrics (swift-prometheus's registry and text format). Counters and
/// histograms move as things happen (RPCs through `ServerCallObserver`, launches from the job
/// engine's events); gauges are read when scraped: job counts by status, running jobs' CPU and
/// memory (two cgroup reads each), log bytes, open connections, the process's own RSS, fds, threads.
/// Made only when `--metrics-address` is set: otherwise nothing of it exists.
///
/// Concurrency: the registry and its metrics are thread-safe; `jobSeries` (which per-job gauges
/// exist) sits behind one `LockedState`-style Mutex, taken once per scrape.
public final class ServerMetrics: ServerCallObserver, Sendable {
    let registry = PrometheusCollectorRegistry()
    let engine: JobEngine
    let quickUsage: [any JobQuickUsageSource]
    private let connections = Mutex<(@Sendable () -> Int)?>(nil)
    private let jobSeries = Mutex<Set<String>>([])

    static let rpcBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60]
    static let launchBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    public init(engine: JobEngine, quickUsage: [any JobQuickUsageSource]) {
        self.engine = engine
        self.quickUsage = quickUsage
    }

    /// Reads the gRPC server's open connections (set once the server exists).
    public var connectionCount: (@Sendable () -> Int)? {
        get { connections.withLock { $0 } }
        set { connections.withLock { $0 = newValue } }
    }

    // MARK: RPCs

    public func callEnded(path: String, code: RPCStatusCode, duration: Duration) {
        let method = String(path.dropFirst())  // "joblet.JobService/RunJob"
        registry.makeCounter(name: "jobletd_rpc_requests_total", labels: [("method", method), ("code", code.description)],
                             help: "gRPC calls finished, by method and status code").increment()
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        registry.makeValueHistogram(name: "jobletd_rpc_duration_seconds", labels: [("method", method)],
                                    buckets: Self.rpcBuckets, help: "gRPC handler time, by method").record(seconds)
    }

    // MARK: Jobs

    /// Follows the engine's events until cancelled: launches and their latency.
    public func followJobEvents() async {
        for await event in await engine.events() {
            guard case .transitioned(let job, let from) = event else { continue }
            switch (from, job.status) {
            case (.initializing, .running), (.pending, .running), (.initializing, .pending):
                if from == .pending && job.status == .running { continue }  // counted when accepted (PENDING)
                launches("started").increment()
                let since = job.scheduledAt.map { max($0, job.createdAt) } ?? job.createdAt
                let at = job.startedAt ?? job.updatedAt
                registry.makeValueHistogram(name: "jobletd_job_launch_latency_seconds", buckets: Self.launchBuckets,
                                            help: "time from RunJob (or the scheduled time) to the job running or accepted by its backend")
                    .record(max(0, at.timeIntervalSince(since)))
            case (.initializing, .failed):
                launches("failed").increment()
            default:
                continue
            }
        }
    }

    private func launches(_ result: String) -> Counter {
        registry.makeCounter(name: "jobletd_job_launches_total", labels: [("result", result)],
                             help: "jobs launched (started or accepted by a remote backend) and launches that failed")
    }

    // MARK: Scrape

    /// The text exposition, gauges read now.
    public func scrape() -> [UInt8] {
        updateJobGauges()
        let me = SelfProcessStats.read()
        registry.makeGauge(name: "process_resident_memory_bytes", help: "jobletd's resident memory").set(Double(me.residentBytes))
        registry.makeGauge(name: "process_open_fds", help: "jobletd's open file descriptors").set(Double(me.openFDs))
        registry.makeGauge(name: "process_threads", help: "jobletd's threads").set(Double(me.threads))
        registry.makeGauge(name: "process_cpu_seconds_total", help: "jobletd's CPU time (user + system)").set(me.cpuSeconds)
        registry.makeGauge(name: "process_start_time_seconds", help: "when jobletd started, seconds since the epoch").set(me.startTimeSeconds)
        registry.makeGauge(name: "jobletd_open_connections", help: "gRPC connections open now").set(Double(connectionCount?() ?? 0))
        registry.makeGauge(name: "jobletd_skypilot_request_errors", help: "SkyPilot API requests that failed (retries included) since start")
            .set(Double(SkyPilotMetrics.requestErrors))
        return registry.emitToBuffer()
    }

    private func updateJobGauges() {
        let counts = (try? engine.store.countsByStatus()) ?? [:]
        for status in JobStatus.allCases {
            registry.makeGauge(name: "jobletd_jobs", labels: [("status", status.rawValue)], help: "jobs in the database, by status")
                .set(Double(counts[status] ?? 0))
        }
        let active = (try? engine.store.activeJobs()) ?? []
        var logBytes: Int64 = 0
        var present = Set<String>()
        for job in active {
            var st = stat()
            if stat(engine.logs.fileURL(for: job.id).path, &st) == 0 { logBytes += Int64(st.st_size) }
            guard job.status == .running,
                  let (cpu, memory) = quickUsage.lazy.compactMap({ $0.cpuAndMemory(ofJob: job.id, backend: job.backend) }).first
            else { continue }
            present.insert(job.id)
            cpuGauge(job.id).set(cpu)
            memoryGauge(job.id).set(Double(memory))
        }
        let gone = jobSeries.withLock { series -> Set<String> in
            let gone = series.subtracting(present)
            series = present
            return gone
        }
        for id in gone {
            registry.unregisterGauge(cpuGauge(id))
            registry.unregisterGauge(memoryGauge(id))
        }
        registry.makeGauge(name: "jobletd_active_jobs_log_bytes", help: "bytes in the log files of jobs not finished yet")
            .set(Double(logBytes))
    }

    private func cpuGauge(_ id: String) -> Gauge {
        registry.makeGauge(name: "jobletd_job_cpu_seconds", labels: [("job", id)], help: "a running job's CPU time so far")
    }

    private func memoryGauge(_ id: String) -> Gauge {
        registry.makeGauge(name: "jobletd_job_memory_bytes", labels: [("job", id)], help: "a running job's memory now (its cgroup's)")
    }
}
