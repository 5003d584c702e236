import RPC

/// An error a user reads as one line (`rnx: <description>`); `code` is the gRPC status when
/// the server sent one.
public struct JobletClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var code: RPCStatusCode?

    public init(_ description: String, code: RPCStatusCode? = nil) {
        self.description = description
        self.code = code
    }

    /// What `error` from a call to `path` means to a user.
    public init(rpc error: RPCError, path: String, server: ServerAddress) {
        let message = error.message.isEmpty ? error.code.name : error.message
        switch error.code {
        case .unimplemented:
            self.init("not implemented yet: \(path)", code: error.code)
        case .unavailable:
            let prefix = "cannot connect to \(server.host):\(server.port): "
            let reason = message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
            self.init("jobletd at \(server) is unavailable: \(reason)", code: error.code)
        case .deadlineExceeded:
            self.init("\(path) timed out: \(message)", code: error.code)
        case .permissionDenied:
            self.init("permission denied: \(message)", code: error.code)
        case .unauthenticated:
            self.init("not authenticated: \(message)", code: error.code)
        default:
            self.init(message, code: error.code)
        }
    }
}
