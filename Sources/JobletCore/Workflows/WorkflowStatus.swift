/// A workflow's status; raw values are the wire strings.
/// PENDING (stored, nothing started) → RUNNING → COMPLETED / FAILED / STOPPED.
public enum WorkflowStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending = "PENDING"
    case running = "RUNNING"
    case completed = "COMPLETED"
    case failed = "FAILED"
    case stopped = "STOPPED"

    public var isFinal: Bool {
        switch self {
        case .completed, .failed, .stopped: return true
        case .pending, .running: return false
        }
    }
}
