import JobletCore

/// What went wrong talking to SkyPilot's API server. Messages are plain text (ANSI stripped)
/// and name what to do.
public enum SkyPilotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No answer (refused, reset, timed out, 503) for the whole retry window.
    case unreachable(endpoint: String, detail: String)
    /// An API request ended FAILED: SkyPilot's exception type and message (HTTP 500 `detail.error`).
    case requestFailed(requestID: String, type: String, message: String)
    /// An API request ended CANCELLED.
    case requestCancelled(requestID: String)
    /// The server knows no such request (404): typically it restarted and wiped its request table.
    case requestNotFound(requestID: String)
    /// A request did not finish within the configured deadline.
    case requestTimedOut(requestID: String, after: Duration)
    /// A POST that must not be repeated blindly (a launch) failed after it may have reached the
    /// server: whether it took effect is unknown.
    case responseLost(path: String, detail: String)
    /// 401 / 403: credentials missing or wrong.
    case unauthorized(detail: String)
    /// 400 `version_mismatch`.
    case versionMismatch(detail: String)
    /// Any other unexpected status, with the body's `detail`.
    case httpStatus(code: Int, path: String, detail: String)
    /// A body that did not parse as the protocol says.
    case malformedResponse(path: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let detail):
            return "SkyPilot API server \(endpoint) is unreachable (\(detail)); check that it runs ('sky api status') and that --skypilot-endpoint points at it"
        case .requestFailed(_, let type, let message):
            return type.isEmpty ? message : "\(type): \(message)"
        case .requestCancelled(let id):
            return "SkyPilot request \(id) was cancelled"
        case .requestNotFound(let id):
            return "SkyPilot request \(id) is not known to the API server (it may have restarted)"
        case .requestTimedOut(let id, let after):
            return "SkyPilot request \(id) did not finish within \(after)"
        case .responseLost(let path, let detail):
            return "the answer to \(path) was lost (\(detail)); whether the server acted on it is unknown"
        case .unauthorized(let detail):
            return "SkyPilot API server refused our credentials (\(detail)); check the configured token or user"
        case .versionMismatch(let detail):
            return "SkyPilot API server does not accept this client version: \(detail)"
        case .httpStatus(let code, let path, let detail):
            return "SkyPilot API server answered \(code) to \(path): \(detail)"
        case .malformedResponse(let path, let detail):
            return "SkyPilot API server sent an unexpected answer to \(path): \(detail)"
        }
    }

    /// As a JobletCore error: UNAVAILABLE when the server cannot be reached, else FAILED_PRECONDITION.
    public var jobletError: JobletError {
        switch self {
        case .unreachable, .requestTimedOut, .responseLost: return .unavailable(description)
        default: return .failedPrecondition(description)
        }
    }
}
