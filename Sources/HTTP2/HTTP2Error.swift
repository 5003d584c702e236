internal import CNghttp2

/// An HTTP/2 failure. When `receive()` throws one, the connection is finished: a GOAWAY is queued,
/// so call `send(into:)` once more and write it before closing the socket.
public struct HTTP2Error: Error, CustomStringConvertible, Sendable, Hashable {
    public var message: String
    /// The nghttp2 library error (`nghttp2_error`, negative), when a call returned one.
    public var libraryCode: Int32?
    /// The HTTP/2 error code in the GOAWAY we sent, when the peer broke the protocol.
    public var errorCode: UInt32?

    public init(message: String, libraryCode: Int32? = nil, errorCode: UInt32? = nil) {
        self.message = message
        self.libraryCode = libraryCode
        self.errorCode = errorCode
    }

    /// An error for a failed nghttp2 call `what` that returned `code`.
    init(_ what: String, libraryCode code: Int, detail: String? = nil) {
        var message = "\(what): " + String(cString: nghttp2_strerror(Int32(truncatingIfNeeded: code)))
        if let detail { message += " (\(detail))" }
        self.init(message: message, libraryCode: Int32(truncatingIfNeeded: code))
    }

    public var description: String {
        errorCode.map { "\(message) [HTTP/2 error code \($0)]" } ?? message
    }
}
