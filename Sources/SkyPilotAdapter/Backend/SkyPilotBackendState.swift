import Foundation

/// What the SkyPilot backend stores with a job (`Job.backendState`, JSON), enough to pick the job
/// up again after a jobletd restart.
struct SkyPilotBackendState: Codable, Sendable, Hashable {
    /// The SkyPilot job name (the jobletd job id): found in the queue even when the launch's
    /// answer was lost.
    var name: String
    var launchRequestID: String?
    var jobID: Int?
    var status: String?
    var failureReason: String?
    var recoveryCount: Int?
    /// The launch request's log has been copied into the job log.
    var provisioningLogged: Bool?

    enum CodingKeys: String, CodingKey {
        case name, launchRequestID = "launch_request_id", jobID = "job_id", status
        case failureReason = "failure_reason", recoveryCount = "recovery_count", provisioningLogged = "provisioning_logged"
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)) ?? Data()
    }

    static func decode(_ data: Data?) -> SkyPilotBackendState? {
        data.flatMap { try? JSONDecoder().decode(SkyPilotBackendState.self, from: $0) }
    }

    /// The reason text stored with our status: SkyPilot's job id, status, failure and recoveries.
    var reason: String {
        var text = "SkyPilot job \(jobID.map(String.init) ?? "'\(name)'")"
        if let status { text += ": \(status)" }
        if let failureReason, !failureReason.isEmpty { text += ": \(failureReason)" }
        if let recoveryCount, recoveryCount > 0 { text += " (recovery_count \(recoveryCount))" }
        return text
    }
}
