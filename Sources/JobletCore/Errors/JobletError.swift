/// Every error JobletCore shows a user. Each case knows its `code` and a `message` that names the
/// thing and, where it helps, the fix (DESIGN.md, Errors).
public enum JobletError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A malformed request; the message says which field and why.
    case invalidArgument(String)
    /// `job not found: f47ac10b` — carries what the caller asked for, not a resolved id.
    case jobNotFound(String)
    /// An id prefix that matches more than one job.
    case ambiguousJobID(prefix: String, matches: [String])
    /// `job is not running: <id> (current status: COMPLETED)`
    case jobNotRunning(id: String, status: JobStatus)
    /// CancelJob on a job that is not SCHEDULED.
    case jobNotScheduled(id: String, status: JobStatus)
    /// DeleteJob on a job that has not finished.
    case jobStillActive(id: String, status: JobStatus)
    /// A status change the state machine does not allow.
    case illegalTransition(id: String, from: JobStatus, to: JobStatus)
    case notFound(String)
    case failedPrecondition(String)
    case alreadyExists(String)
    case permissionDenied(String)
    case resourceExhausted(String)
    case unavailable(String)
    case `internal`(String)
    case unimplemented(String)

    public var code: JobletErrorCode {
        switch self {
        case .invalidArgument, .ambiguousJobID: return .invalidArgument
        case .jobNotFound, .notFound: return .notFound
        case .jobNotRunning, .jobNotScheduled, .jobStillActive, .illegalTransition, .failedPrecondition:
            return .failedPrecondition
        case .alreadyExists: return .alreadyExists
        case .permissionDenied: return .permissionDenied
        case .resourceExhausted: return .resourceExhausted
        case .unavailable: return .unavailable
        case .internal: return .internal
        case .unimplemented: return .unimplemented
        }
    }

    public var message: String {
        switch self {
        case .invalidArgument(let m), .notFound(let m), .failedPrecondition(let m), .alreadyExists(let m),
             .permissionDenied(let m), .resourceExhausted(let m), .unavailable(let m), .internal(let m),
             .unimplemented(let m):
            return m
        case .jobNotFound(let id):
            return "job not found: \(id)"
        case .ambiguousJobID(let prefix, let matches):
            let shown = matches.prefix(5).joined(separator: ", ")
            let more = matches.count > 5 ? " and \(matches.count - 5) more" : ""
            return "job id prefix '\(prefix)' is ambiguous: matches \(shown)\(more); give more characters"
        case .jobNotRunning(let id, let status):
            return "job is not running: \(id) (current status: \(status.rawValue))"
        case .jobNotScheduled(let id, let status):
            return "job is not scheduled: \(id) (current status: \(status.rawValue)); use StopJob for a started job"
        case .jobStillActive(let id, let status):
            return "job is still active: \(id) (current status: \(status.rawValue)); stop it before deleting it"
        case .illegalTransition(let id, let from, let to):
            return "job \(id) cannot go from \(from.rawValue) to \(to.rawValue)"
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// `error` itself when it is a `JobletError`, otherwise an internal error naming what failed.
    public init(wrapping error: any Error, doing what: String) {
        if let error = error as? JobletError {
            self = error
        } else {
            self = .internal("\(what): \(error)")
        }
    }
}
