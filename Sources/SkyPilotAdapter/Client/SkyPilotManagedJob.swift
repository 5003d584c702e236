/// One record of `/jobs/queue/v2` (`ManagedJobRecord`), the fields jobletd uses.
public struct SkyPilotManagedJob: Sendable, Hashable, Decodable {
    public var jobID: Int
    public var taskID: Int?
    public var jobName: String?
    /// ManagedJobStatus: PENDING, STARTING, RUNNING, …, SUCCEEDED, FAILED_SETUP, ….
    public var status: String
    /// As SkyPilot sends it (may hold ANSI codes); see `plainFailureReason`.
    public var failureReason: String?
    public var recoveryCount: Int?
    public var details: String?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", taskID = "task_id", jobName = "job_name", status
        case failureReason = "failure_reason", recoveryCount = "recovery_count", details
    }

    public var plainFailureReason: String? {
        failureReason.map(ANSI.strip).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The fields asked for in every queue call.
    static let queueFields = ["job_id", "job_name", "status", "failure_reason", "recovery_count", "details",
                              "submitted_at", "end_at"]
}
