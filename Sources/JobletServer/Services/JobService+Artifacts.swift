import Foundation
import JobletAPI
import JobletCore
import RPC
import SkyPilotAdapter

/// ListArtifacts and DownloadArtifact (training, issue 19).
extension JobService {
    /// Bytes per DownloadArtifact message.
    static let artifactChunkBytes = 256 << 10
    /// How long DownloadArtifact waits for the hash of an artifact whose job just ended.
    static let hashWait: Duration = .seconds(300)

    func registerArtifacts(on router: RPCRouter) {
        let engine = self.engine
        let m = Joblet_JobService.Method.self
        router.unary(m.listArtifacts, Joblet_ListArtifactsReq.self) { req, _ in
            try await JobService.translating {
                let job = try engine.job(req.uuid)
                var r = Joblet_ListArtifactsRes()
                r.uuid = job.id
                guard let keeper = engine.artifacts else {
                    r.note = "this server keeps no artifacts"
                    return r
                }
                let kept = try engine.store.artifacts(id: job.id)
                r.artifacts = kept.map { ArtifactMapping.info($0, job: job, state: keeper.state(of: $0, jobID: job.id, verify: req.verify)) }
                if kept.isEmpty {
                    let store = (engine.backend(named: SkyPilotBackend.backendName) as? SkyPilotBackend)?.configuration.artifactStore
                    r.note = try ArtifactMapping.whyNone(job, patterns: engine.store.artifactPatterns(id: job.id), skyPilotStore: store)
                }
                return r
            }
        }
        router.serverStreaming(m.downloadArtifact, Joblet_DownloadArtifactReq.self, Joblet_ArtifactChunk.self) { req, stream, _ in
            let (job, artifact, url) = try await JobService.translating { () -> (Job, Artifact, URL) in
                let job = try engine.job(req.uuid)
                guard let keeper = engine.artifacts else { throw JobletError.failedPrecondition("this server keeps no artifacts") }
                // A job that just ended may still have its hash computed: wait for it.
                guard let artifact = try await keeper.hashed(jobID: job.id, name: req.name, timeout: JobService.hashWait) else {
                    throw JobletError.notFound("job \(job.id) has no artifact '\(req.name)'; `rnx artifacts \(job.id.prefix(8))` lists them")
                }
                guard !artifact.sha256.isEmpty else {
                    throw JobletError.unavailable("artifact '\(artifact.name)' of job \(job.id) is still being hashed after \(JobService.hashWait); try again shortly")
                }
                guard req.offset >= 0, req.offset <= artifact.size else {
                    throw JobletError.invalidArgument("offset \(req.offset) is outside artifact '\(artifact.name)' (\(artifact.size) bytes)")
                }
                // Every byte is checked against the stored hash before any is sent.
                switch keeper.state(of: artifact, jobID: job.id, verify: true) {
                case .ok: return (job, artifact, keeper.fileURL(jobID: job.id, name: artifact.name))
                case .hashing: throw JobletError.internal("artifact '\(artifact.name)' has no hash after it was hashed")
                case .missing: throw JobletError.notFound("artifact '\(artifact.name)' of job \(job.id) is missing from the server's artifact store")
                case .corrupt:
                    throw RPCError(.dataLoss, "artifact '\(artifact.name)' of job \(job.id) is corrupt: its stored bytes no longer match the SHA-256 taken when the job ended (\(artifact.sha256)); it is not served")
                }
            }
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(req.offset))
            var offset = req.offset
            var first = true
            while first || offset < artifact.size {
                let data = try handle.read(upToCount: JobService.artifactChunkBytes) ?? Data()
                var chunk = Joblet_ArtifactChunk()
                if first { chunk.info = ArtifactMapping.info(artifact, job: job, state: .ok) }
                chunk.offset = offset
                chunk.data = [UInt8](data)
                try await stream.send(chunk)
                first = false
                if data.isEmpty { break }
                offset += Int64(data.count)
            }
        }
    }
}

enum ArtifactMapping {
    static func info(_ a: Artifact, job: Job, state: Artifact.State) -> Joblet_ArtifactInfo {
        var r = Joblet_ArtifactInfo()
        r.name = a.name
        r.size = a.size
        r.sha256 = a.sha256
        r.created = RFC3339.format(a.created)
        r.state = state.rawValue
        r.metadata = ["job": job.id, "backend": job.backend, "provider": ProviderName.provider(of: job),
                      "command": ([job.command] + job.args).joined(separator: " ")]
        return r
    }

    static func whyNone(_ job: Job, patterns: [String], skyPilotStore: String? = nil) -> String {
        if job.backend == SkyPilotBackend.backendName {
            guard let store = skyPilotStore else {
                return "artifacts of SkyPilot jobs are not kept: no skypilot.artifactStore is configured (a bucket URL the tasks mount); until then, write outputs to a bucket yourself"
            }
            return "SkyPilot job \(job.id) writes its artifacts itself to \(ArtifactStoreURL.folder(store, jobID: job.id)), mounted in the task at $\(ArtifactStoreURL.environmentName) (\(ArtifactStoreURL.mountPoint)); this server neither lists nor hashes them"
        }
        if patterns.isEmpty { return "job \(job.id) named no artifacts (RunJob's artifacts, rnx run --artifact PATH)" }
        if !job.status.isFinal { return "job \(job.id) is \(job.status.rawValue): its artifacts are kept when it ends" }
        return "no file matched \(patterns.joined(separator: ", ")) when job \(job.id) ended (its log says why)"
    }
}
