import Foundation
import JobletAPI
import JobletCore
import RPC

/// WatchJobs (training, issue 19): status changes, training metric samples and end notices of
/// one job or of all, as they are stored.
///
/// A job's "ended" notice comes after its last metric sample: it is sent when the metrics
/// collector has read the final job's output to the end (or `endGrace` after the final status,
/// whichever is first). A one-job watch starts with the job's current status and the samples
/// stored so far, and ends after its "ended" notice.
extension JobService {
    static let watchEndGrace: Duration = .seconds(3)

    private struct SampleKey: Hashable {
        let source: TrainingMetricSample.Source
        let position: Int64
    }

    private enum WatchItem: Sendable {
        case event(JobEvent)
        case graceOver(String)
    }

    func registerWatch(on router: RPCRouter) {
        let engine = self.engine
        router.serverStreaming(Joblet_JobService.Method.watchJobs, Joblet_WatchJobsReq.self, Joblet_JobWatchEvent.self) { req, stream, _ in
            // Subscribed before the snapshot is read: nothing falls between the two.
            let events = await engine.events()
            let (items, sink) = AsyncStream.makeStream(of: WatchItem.self)
            let forward = Task {
                for await event in events { sink.yield(.event(event)) }
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
        }
    }
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
