import Foundation
import JobletCore

/// What GetJobStatus shows of a SkyPilot job (extension fields skypilot_status=102,
/// skypilot_failure_reason=103, skypilot_recovery_count=104, skypilot_job_id=105), read from the
/// job's backend state.
public struct SkyPilotJobInfo: Sendable, Hashable {
    /// SkyPilot's own status (`FAILED_PRECHECKS`, `RECOVERING`, …); nil before the first poll.
    public var status: String?
    /// ANSI codes stripped.
    public var failureReason: String?
    public var recoveryCount: Int
    /// The managed job's id at SkyPilot; nil until the launch request returned it.
    public var jobID: Int?
    public var launchRequestID: String?

    public init(status: String?, failureReason: String?, recoveryCount: Int, jobID: Int?, launchRequestID: String?) {
        self.status = status
        self.failureReason = failureReason
        self.recoveryCount = recoveryCount
        self.jobID = jobID
        self.launchRequestID = launchRequestID
    }

    /// From a job's backend state; nil if it is not a SkyPilot state.
    public init?(backendState: Data?) {
        guard let data = backendState, let state = try? JSONDecoder().decode(SkyPilotBackendState.self, from: data) else {
            return nil
        }
        self.init(state: state)
    }

    /// For a job run by the SkyPilot backend; nil for any other.
    public init?(job: Job) {
        guard job.backend == SkyPilotBackend.backendName else { return nil }
        self.init(backendState: job.backendState)
    }

    init(state: SkyPilotBackendState) {
        self.init(status: state.status, failureReason: state.failureReason, recoveryCount: state.recoveryCount ?? 0,
                  jobID: state.jobID, launchRequestID: state.launchRequestID)
    }
}
