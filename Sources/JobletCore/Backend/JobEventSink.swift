import Foundation

/// What a backend reports about one job, back to the engine and the log store.
/// A value with no state of its own; safe to copy into any task.
public struct JobEventSink: Sendable {
    public let jobID: String
    let engine: JobEngine

    init(jobID: String, engine: JobEngine) {
        self.jobID = jobID
        self.engine = engine
    }

    /// The job's log file, for a backend that makes it the process's stdout and stderr.
    public var logFile: URL { engine.logs.fileURL(for: jobID) }

    /// Reports a status change; throws `illegalTransition` if the state machine forbids it.
    /// `state` / `nodeID` are stored with it, as `update` would, in the same transaction.
    @discardableResult
    /// A change the database cannot store now (disk full, I/O error) is retried until it is
    /// (`StorageFailure.retryingTransition`): a job's end is never lost while jobletd runs.
    public func transition(to status: JobStatus, exitCode: Int32? = nil, reason: String? = nil,
                           at time: Date = Date(), state: Data? = nil, nodeID: String? = nil) async throws -> Job {
        try await StorageFailure.retryingTransition(jobID: jobID, to: status) {
            try await engine.backendReported(jobID, to: status, exitCode: exitCode, reason: reason, at: time,
                                             backendState: state, nodeID: nodeID)
        }
    }

    /// Appends output to the job's log.
    public func appendLog(_ bytes: some ContiguousBytes) throws {
        try engine.logs.append(jobID, bytes)
    }

    /// Wakes log followers after the process wrote to `logFile` itself (optional: they poll too).
    public func logAppended() {
        engine.logs.notifyAppended(jobID)
    }

    /// Stores backend-private state (JSON), the node that runs the job, or the GPUs it got.
    @discardableResult
    public func update(state: Data? = nil, nodeID: String? = nil, gpuIndices: [Int]? = nil) throws -> Job {
        try engine.store.updateBackendInfo(id: jobID, state: state, nodeID: nodeID, gpuIndices: gpuIndices)
    }

    /// The job as stored now.
    public func job() throws -> Job {
        try engine.store.job(id: jobID)
    }

    /// The request as stored, secrets included: for a backend that must launch again or mask
    /// secrets after a restart.
    public func request() throws -> JobRequest {
        try engine.store.request(for: jobID)
    }
}
