import Foundation

/// Per-job usage readings with the CPU share between two of them. Backends that can read a job's
/// usage (`JobUsageSource`) are asked for running jobs; a finished job's totals come from the store.
///
/// Concurrency: the previous reading per job lives in one `LockedState`, taken only to swap it.
public final class JobUsageTracker: Sendable {
    let engine: JobEngine
    let sources: [any JobUsageSource]
    private let previous = LockedState<[String: Entry]>([:])

    struct Entry {
        var usage: JobUsage
        var cpuPercent: Double
    }

    public struct Reading: Sendable {
        public var usage: JobUsage
        /// % of one core since the previous reading (over at least `minimumInterval`).
        public var cpuPercent: Double
        /// The job had ended: totals as kept when it did.
        public var final: Bool
    }

    /// CPU shares over less than this are noise: a quicker reading reuses the last share.
    static let minimumInterval: TimeInterval = 0.5

    public init(engine: JobEngine, sources: [any JobUsageSource]) {
        self.engine = engine
        self.sources = sources
    }

    /// The job's usage now, or its kept totals once it ended; nil when nothing is known (a job
    /// that never started, or one whose backend cannot read usage).
    public func reading(of job: Job) -> Reading? {
        if job.status.isFinal {
            _ = previous.withLock { $0.removeValue(forKey: job.id) }
            guard let kept = try? engine.store.finalUsage(id: job.id) else { return nil }
            return Reading(usage: kept, cpuPercent: 0, final: true)
        }
        // Not `sources.lazy.compactMap(...).first`: that calls the closure twice (filter, then
        // subscript), and a job that ends in between gives nil the second time -- a crash.
        var found: JobUsage?
        for source in sources {
            if let u = source.usage(of: job) { found = u; break }
        }
        guard let usage = found else { return nil }
        let percent = previous.withLock { table -> Double in
            if table.count > Self.pruneAbove { Self.prune(&table, now: usage.time) }
            if let before = table[job.id] {
                if usage.time.timeIntervalSince(before.usage.time) < Self.minimumInterval { return before.cpuPercent }
                let p = usage.cpuPercent(since: before.usage)
                table[job.id] = Entry(usage: usage, cpuPercent: p)
                return p
            }
            // First reading: the average since the job started.
            let age = job.startedAt.map { usage.time.timeIntervalSince($0) } ?? 0
            let p = age > Self.minimumInterval ? usage.cpuSeconds / age * 100 : 0
            table[job.id] = Entry(usage: usage, cpuPercent: p)
            return p
        }
        return Reading(usage: usage, cpuPercent: percent, final: false)
    }

    /// Jobs read while running and then deleted (never read once final) would stay in the table:
    /// past this many entries, those not read for `staleAfter` go.
    static let pruneAbove = 1024
    static let staleAfter: TimeInterval = 600

    static func prune(_ table: inout [String: Entry], now: Date) {
        table = table.filter { now.timeIntervalSince($0.value.usage.time) < staleAfter }
    }
}
