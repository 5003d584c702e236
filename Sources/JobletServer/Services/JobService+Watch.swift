import Foundation
import JobletAPI
import JobletCore
import RPC
import Synchronization

/// WatchJobs (training, issue 19): status changes, training metric samples and end notices of
/// one job or of all, as they are stored.
///
/// A job's "ended" notice comes after its last metric sample: it is sent when the metrics
/// collector has read the final job's output to the end (or `endGrace` after the final status,
/// whichever is first). A one-job watch starts with the job's current status and the samples
/// stored so far, and ends after its "ended" notice.
extension JobService {
    static let watchEndGrace: Duration = .seconds(3)
    /// How long a watcher past its backlog may take nothing before its watch ends.
    static let watchStall: Duration = .seconds(2)

    private struct SampleKey: Hashable {
        let source: TrainingMetricSample.Source
        let position: Int64
    }

    private enum WatchItem: Sendable {
        case event(JobEvent)
        case graceOver(String)
    }

    func registerWatch(on router: RPCRouter) {
        let engine = self.engine, backlog = self.watchBacklog
        router.serverStreaming(Joblet_JobService.Method.watchJobs, Joblet_WatchJobsReq.self, Joblet_JobWatchEvent.self) { req, stream, _ in
            // Subscribed before the snapshot is read: nothing falls between the two.
            let events = await engine.events()
            // Bounded: a watcher that stops reading (its HTTP/2 window and the stream's 1 MiB of
            // unsent bytes full) is held at most `server.watchBacklog` events behind; past that,
            // once it has taken nothing for `watchStall`, its watch ends with RESOURCE_EXHAUSTED
            // after the events it was held (none is skipped silently) and it may watch again. A
            // burst larger than the backlog (a job's metric lines read in one pass) does not end a
            // watcher that keeps taking events, unless it is 8 times the backlog.
            let (items, sink) = AsyncStream.makeStream(of: WatchItem.self)
            let held = WatchBacklog(limit: backlog, stall: JobService.watchStall)
            let forward = Task {
                for await event in events {
                    guard held.admit() else { break }
                    sink.yield(.event(event))
                }
                sink.finish()
            }
            var timers: [Task<Void, Never>] = []
            defer {
                forward.cancel()
                timers.forEach { $0.cancel() }
                sink.finish()
            }
            var target: String?
            var snapshotTime = Date.distantPast  // transitions up to it are in the first event already
            var sentSamples = Set<SampleKey>()  // history sent at the start is not sent again live
            var ending: [String: Job] = [:]  // final, waiting for their last metrics
            if !req.uuid.isEmpty {
                let job = try await JobService.translating { try engine.job(req.uuid) }
                target = job.id
                snapshotTime = job.updatedAt
                try await stream.send(WatchMapping.status(job, from: nil))
                for sample in try await JobService.translating({ try engine.store.trainingSamples(id: job.id) }) {
                    sentSamples.insert(SampleKey(source: sample.source, position: sample.position))
                    try await stream.send(WatchMapping.metric(job.id, sample))
                }
                if job.status.isFinal {
                    try await stream.send(WatchMapping.ended(job))
                    return
                }
            }
            for await item in items {
                switch item {
                case .event(let event):
                    held.took()
                    guard target == nil || event.jobID == target else { continue }
                    switch event {
                    case .created(let job):
                        try await stream.send(WatchMapping.status(job, from: nil))
                    case .transitioned(let job, let from):
                        if job.updatedAt <= snapshotTime { continue }
                        try await stream.send(WatchMapping.status(job, from: from))
                        if job.status.isFinal {
                            ending[job.id] = job
                            let id = job.id
                            timers.append(Task {
                                try? await Task.sleep(for: JobService.watchEndGrace)
                                sink.yield(.graceOver(id))
                            })
                        }
                    case .trainingMetric(let id, let sample):
                        if sentSamples.contains(SampleKey(source: sample.source, position: sample.position)) { continue }
                        try await stream.send(WatchMapping.metric(id, sample))
                    case .trainingMetricsComplete(let id):
                        if let job = ending.removeValue(forKey: id) {
                            try await stream.send(WatchMapping.ended(job))
                            if target != nil { return }
                        }
                    case .deleted(let id):
                        var r = Joblet_JobWatchEvent()
                        r.type = "deleted"
                        r.uuid = id
                        r.time = RFC3339.format(Date())
                        try await stream.send(r)
                        if target != nil { return }
                    }
                case .graceOver(let id):
                    if let job = ending.removeValue(forKey: id) {
                        try await stream.send(WatchMapping.ended(job))
                        if target != nil { return }
                    }
                }
            }
            if held.overflowed {
                try await JobService.translating {
                    throw JobletError.resourceExhausted("this watch fell \(backlog) events behind (the client reads too slowly); events after the last one sent were not delivered: watch again")
                }
            }
        }
    }
}

/// What one watcher holds: events admitted and not yet taken, and since when it has waited (its
/// last take, or the event that ended an empty backlog). A watcher more than `limit` behind that
/// has taken nothing for `stall` (or 8 × `limit` behind) is ended.
final class WatchBacklog: Sendable {
    private struct State {
        var pending = 0
        var lastTaken = ContinuousClock.now
        var overflowed = false
    }
    private let state = Mutex(State())
    let limit: Int
    let stall: Duration

    init(limit: Int, stall: Duration) {
        self.limit = limit
        self.stall = stall
    }

    /// One more event for the watcher; false: it is too far behind, and takes no more.
    func admit() -> Bool {
        state.withLock { s in
            if s.pending == 0 { s.lastTaken = .now }  // idle until now: the wait starts here
            s.pending += 1
            if s.pending > limit, s.pending > 8 * limit || ContinuousClock.now - s.lastTaken > stall {
                s.overflowed = true
            }
            return !s.overflowed
        }
    }

    func took() {
        state.withLock { s in
            s.pending -= 1
            s.lastTaken = .now
        }
    }

    var overflowed: Bool { state.withLock { $0.overflowed } }
}

enum WatchMapping {
    static func status(_ job: Job, from: JobStatus?) -> Joblet_JobWatchEvent {
        var r = Joblet_JobWatchEvent()
        r.type = "status"
        r.uuid = job.id
        r.name = job.name
        r.status = job.status.rawValue
        r.previousStatus = from?.rawValue ?? ""
        r.reason = job.reason ?? ""
        r.time = RFC3339.format(job.updatedAt)
        r.exitCode = job.exitCode ?? 0
        return r
    }

    static func metric(_ id: String, _ sample: TrainingMetricSample) -> Joblet_JobWatchEvent {
        var r = Joblet_JobWatchEvent()
        r.type = "metric"
        r.uuid = id
        r.time = RFC3339.format(sample.time)
        r.metric = TrainingMapping.sample(sample)
        return r
    }

    /// The end notice: "job 1f2e… (train) COMPLETED: exit code 0".
    static func ended(_ job: Job) -> Joblet_JobWatchEvent {
        var r = status(job, from: nil)
        r.type = "ended"
        let name = job.name.isEmpty ? "" : " (\(job.name))"
        var how = job.status == .canceled ? "canceled" : "exit code \(job.exitCode ?? 0)"
        if let reason = job.reason, !reason.isEmpty, !JobExitReason.isPlainExit(reason) { how += ", \(reason)" }
        r.message = "job \(job.id)\(name) \(job.status.rawValue): \(how)"
        return r
    }
}
