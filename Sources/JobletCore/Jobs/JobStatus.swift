/// A job's status; raw values are the wire strings.
public enum JobStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case scheduled = "SCHEDULED"
    case pending = "PENDING"
    case initializing = "INITIALIZING"
    case running = "RUNNING"
    case recovering = "RECOVERING"
    /// A local job frozen by PauseJob (training, issue 19): its processes hold their memory, use no CPU.
    case paused = "PAUSED"
    case completed = "COMPLETED"
    case failed = "FAILED"
    case stopped = "STOPPED"
    case canceled = "CANCELED"

    /// COMPLETED, FAILED, STOPPED and CANCELED: nothing follows them.
    public var isFinal: Bool {
        switch self {
        case .completed, .failed, .stopped, .canceled: return true
        default: return false
        }
    }

    /// The statuses this one may move to; the single source of the state machine.
    public var allowedNext: Set<JobStatus> {
        switch self {
        case .scheduled: return [.initializing, .canceled, .failed]
        case .pending: return [.initializing, .running, .failed, .stopped]
        case .initializing: return [.running, .failed, .stopped, .pending]
        case .running: return [.completed, .failed, .stopped, .recovering, .paused]
        case .recovering: return [.running, .failed, .stopped, .pending]
        // Thawed by ResumeJob, stopped (StopJob thaws first), or ended by something outside us.
        case .paused: return [.running, .completed, .failed, .stopped]
        case .completed, .failed, .stopped, .canceled: return []
        }
    }

    public func canTransition(to next: JobStatus) -> Bool {
        allowedNext.contains(next)
    }

    /// Parses a wire string, case-insensitively.
    public init?(wireValue: String) {
        self.init(rawValue: wireValue.uppercased())
    }
}
