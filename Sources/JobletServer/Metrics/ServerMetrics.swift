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
    /// Each running job's two gauges, made once: setting one is an atomic store, where asking the
    /// registry for it each scrape costs a lookup by labels.
    private let jobSeries = Mutex<[String: (cpu: Gauge, memory: Gauge)]>([:])

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

    /// A metric's full name (no namespace or unit suffix added) and help text.
    static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // MARK: RPCs

    public func callEnded(path: String, code: RPCStatusCode, duration: Duration) {
        let method = String(path.dropFirst())  // "joblet.JobService/RunJob"
        registry.makeCounter(descriptor: Self.metric("jobletd_rpc_requests_total", "gRPC calls finished, by method and status code"), labels: [("method", method), ("code", code.description)]).increment()
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        registry.makeValueHistogram(descriptor: Self.metric("jobletd_rpc_duration_seconds", "gRPC handler time, by method"),
                                    labels: [("method", method)], buckets: Self.rpcBuckets).record(seconds)
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
                let latency = Self.metric("jobletd_job_launch_latency_seconds",
                                          "time from RunJob (or the scheduled time) to the job running or accepted by its backend")
                registry.makeValueHistogram(descriptor: latency, buckets: Self.launchBuckets)
                    .record(max(0, at.timeIntervalSince(since)))
            case (.initializing, .failed):
                launches("failed").increment()
            default:
                continue
            }
        }
    }

    private func launches(_ result: String) -> Counter {
        registry.makeCounter(descriptor: Self.metric("jobletd_job_launches_total", "jobs launched (started or accepted by a remote backend) and launches that failed"), labels: [("result", result)])
    }

    // MARK: Scrape

    /// The text exposition, gauges read now.
    public func scrape() -> [UInt8] {
        updateJobGauges()
        let me = SelfProcessStats.read()
        registry.makeGauge(descriptor: Self.metric("process_resident_memory_bytes", "jobletd's resident memory")).set(Double(me.residentBytes))
        registry.makeGauge(descriptor: Self.metric("process_open_fds", "jobletd's open file descriptors")).set(Double(me.openFDs))
        registry.makeGauge(descriptor: Self.metric("process_threads", "jobletd's threads")).set(Double(me.threads))
        registry.makeGauge(descriptor: Self.metric("process_cpu_seconds_total", "jobletd's CPU time (user + system)")).set(me.cpuSeconds)
        registry.makeGauge(descriptor: Self.metric("process_start_time_seconds", "when jobletd started, seconds since the epoch")).set(me.startTimeSeconds)
        registry.makeGauge(descriptor: Self.metric("jobletd_open_connections", "gRPC connections open now")).set(Double(connectionCount?() ?? 0))
        registry.makeGauge(descriptor: Self.metric("jobletd_skypilot_request_errors", "SkyPilot API requests that failed (retries included) since start"))
            .set(Double(SkyPilotMetrics.requestErrors))
        return registry.emitToBuffer()
    }

    private func updateJobGauges() {
        let counts = (try? engine.store.countsByStatus()) ?? [:]
        for status in JobStatus.allCases {
            registry.makeGauge(descriptor: Self.metric("jobletd_jobs", "jobs in the database, by status"), labels: [("status", status.rawValue)])
                .set(Double(counts[status] ?? 0))
        }
        let active = (try? engine.store.activeJobs()) ?? []
        // LogStore names a job's log "<id>.log" in one directory; Foundation's URL per job costs more
        // than the stat.
        let logDirectory = engine.logs.fileURL(for: "x").deletingLastPathComponent().path + "/"
        // Two cgroup reads and a stat per job, spread over the cores (1,000 jobs: ~3,000 syscalls).
        let slots = Mutex<(logBytes: Int64, readings: [(String, Double, Int64)])>((0, []))
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, active.count / 64))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var logBytes: Int64 = 0
            var readings: [(String, Double, Int64)] = []
            for job in stride(from: w, to: active.count, by: workers).map({ active[$0] }) {
                var st = stat()
                if stat(logDirectory + job.id + ".log", &st) == 0 { logBytes += Int64(st.st_size) }
                // A paused job is frozen but holds its memory: its series stay.
                guard job.status == .running || job.status == .paused else { continue }
                // A loop, not `lazy.compactMap(...).first`, which reads twice: a job that ends
                // between the two reads would crash the scrape.
                var found: (Double, Int64)?
                for source in quickUsage {
                    if let r = source.cpuAndMemory(ofJob: job.id, backend: job.backend) { found = r; break }
                }
                guard let (cpu, memory) = found else { continue }
                readings.append((job.id, cpu, memory))
            }
            slots.withLock { $0.logBytes += logBytes; $0.readings += readings }
        }
        let (logBytes, readings) = slots.withLock { $0 }
        let running = Set(readings.map(\.0))
        for source in quickUsage { source.keepCountersOnly(for: running) }
        let (fresh, gone) = jobSeries.withLock { series -> ([(String, Double, Int64)], [(cpu: Gauge, memory: Gauge)]) in
            var fresh: [(String, Double, Int64)] = []
            var present = Set<String>()
            for (id, cpu, memory) in readings {
                present.insert(id)
                if let g = series[id] {
                    g.cpu.set(cpu)
                    g.memory.set(Double(memory))
                } else {
                    fresh.append((id, cpu, memory))
                }
            }
            let goneIDs = series.keys.filter { !present.contains($0) }
            return (fresh, goneIDs.compactMap { series.removeValue(forKey: $0) })
        }
        var made: [String: (cpu: Gauge, memory: Gauge)] = [:]
        for (id, cpu, memory) in fresh {
            let g = (cpu: cpuGauge(id), memory: memoryGauge(id))
            g.cpu.set(cpu)
            g.memory.set(Double(memory))
            made[id] = g
        }
        if !made.isEmpty { jobSeries.withLock { $0.merge(made) { a, _ in a } } }
        for g in gone {
            registry.unregisterGauge(g.cpu)
            registry.unregisterGauge(g.memory)
        }
        registry.makeGauge(descriptor: Self.metric("jobletd_active_jobs_log_bytes", "bytes in the log files of jobs not finished yet"))
            .set(Double(logBytes))
    }

    private func cpuGauge(_ id: String) -> Gauge {
        registry.makeGauge(descriptor: Self.metric("jobletd_job_cpu_seconds", "a running or paused job's CPU time so far"), labels: [("job", id)])
    }

    private func memoryGauge(_ id: String) -> Gauge {
        registry.makeGauge(descriptor: Self.metric("jobletd_job_memory_bytes", "a running or paused job's memory now (its cgroup's)"), labels: [("job", id)])
    }
}
