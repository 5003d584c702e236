import JobletAPI
import ProtoWire
import RPC

/// Training (issue 19): pause/resume, training metrics, artifacts, and the watch stream.
extension JobletClient {
    public func pauseJob(id: String) async throws -> Joblet_PauseJobRes {
        var request = Joblet_PauseJobReq()
        request.uuid = id
        return try await unary(Joblet_JobService.Method.pauseJob, request)
    }

    public func resumeJob(id: String) async throws -> Joblet_ResumeJobRes {
        var request = Joblet_ResumeJobReq()
        request.uuid = id
        return try await unary(Joblet_JobService.Method.resumeJob, request)
    }

    /// The last `limit` samples (0: all) and the latest values.
    public func trainingMetrics(id: String, limit: Int = 0) async throws -> Joblet_TrainingMetricsRes {
        var request = Joblet_TrainingMetricsReq()
        request.uuid = id
        request.limit = Int32(clamping: limit)
        return try await unary(Joblet_JobService.Method.getTrainingMetrics, request)
    }

    /// Events of one job (`id`) or of all (`id` empty) until the caller stops iterating; a
    /// one-job watch ends after that job's end.
    public func watchJobs(id: String) async throws -> AsyncThrowingStream<Joblet_JobWatchEvent, Error> {
        var request = Joblet_WatchJobsReq()
        request.uuid = id
        return try await stream(Joblet_JobService.Method.watchJobs, request, Joblet_JobWatchEvent.self)
    }
}

extension JobletClient {
    public func listArtifacts(id: String, verify: Bool = false) async throws -> Joblet_ListArtifactsRes {
        var request = Joblet_ListArtifactsReq()
        request.uuid = id
        request.verify = verify
        return try await unary(Joblet_JobService.Method.listArtifacts, request)
    }

    /// The artifact's bytes from `offset`; the first message carries its size and SHA-256.
    public func downloadArtifact(id: String, name: String, offset: Int64 = 0) async throws
        -> AsyncThrowingStream<Joblet_ArtifactChunk, Error>
    {
        var request = Joblet_DownloadArtifactReq()
        request.uuid = id
        request.name = name
        request.offset = offset
        return try await stream(Joblet_JobService.Method.downloadArtifact, request, Joblet_ArtifactChunk.self)
    }
}
