import Foundation
import HTTP2
import Logging

/// What every session of a server shares: methods, interceptors, limits. Immutable.
struct GRPCSessionConfiguration: Sendable {
    var router: RPCRouter
    var interceptors: [any ServerInterceptor]
    var http2: HTTP2Settings
    /// Larger request messages get RESOURCE_EXHAUSTED; the connection stays up.
    var maxReceiveMessageSize: Int
    /// The configuration key behind `maxReceiveMessageSize`, named in errors (nil: none).
    var maxReceiveMessageSizeSetting: String? = nil
    /// Bounds memory held by messages over `maxReceiveMessageSize` (upload methods); nil: unbounded.
    var largeRequestBudget: RequestMemoryBudget? = nil
    var logger: Logger
    var callObserver: (any ServerCallObserver)? = nil

    /// A handler's unexpected error: logged with a correlation id that the client sees.
    func internalError(_ error: Error, method: String) -> RPCError {
        let id = UUID().uuidString.prefix(8).lowercased()
        logger.error("internal error", metadata: ["method": "\(method)", "correlation_id": "\(id)", "error": "\(error)"])
        return RPCError(.internal, "internal error (correlation id \(id))")
    }
}
