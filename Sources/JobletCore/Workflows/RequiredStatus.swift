/// The status a workflow job asks of a job it requires (`requires: [{a: COMPLETED}]`).
/// `FINISHED` accepts any final status.
public enum RequiredStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case completed = "COMPLETED"
    case failed = "FAILED"
    case stopped = "STOPPED"
    case canceled = "CANCELED"
    case finished = "FINISHED"

    /// Parses what a YAML file says, case-insensitively; `CANCELLED` is accepted too.
    public init?(yamlValue: String) {
        let upper = yamlValue.trimmingCharacters(in: .whitespaces).uppercased()
        self.init(rawValue: upper == "CANCELLED" ? "CANCELED" : upper)
    }

    /// Whether a job that ended with `status` satisfies this requirement.
    public func accepts(_ status: JobStatus) -> Bool {
        switch self {
        case .finished: return status.isFinal
        case .completed: return status == .completed
        case .failed: return status == .failed
        case .stopped: return status == .stopped
        case .canceled: return status == .canceled
        }
    }
}

/// One requirement of a workflow job: the job it names must end with `status`.
public struct WorkflowRequirement: Sendable, Hashable, Codable {
    public var job: String
    public var status: RequiredStatus

    public init(job: String, status: RequiredStatus) {
        self.job = job
        self.status = status
    }

    /// `a COMPLETED`, as reasons and tables print it.
    public var text: String { "\(job) \(status.rawValue)" }
}
