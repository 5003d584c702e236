import HTTP2

/// The loop's record of one call on a connection (loop thread only).
final class ServerStreamState {
    let id: HTTP2StreamID
    let method: RegisteredMethod
    let context: ServerContext
    let writer: ResponseWriter
    var deframer: MessageDeframer
    /// Client-streaming calls: where decoded request messages go.
    var continuation: AsyncThrowingStream<MessageDeframer.Message, Error>.Continuation?
    var stream: AsyncThrowingStream<MessageDeframer.Message, Error>?
    /// Unary and server-streaming calls: the one request message.
    var single: MessageDeframer.Message?
    /// The message limit of this call and the key that sets it.
    let requestLimit: RequestSizeLimit
    /// Bytes taken from the server's large-request budget, given back when the call ends.
    var reservedBytes = 0
    var task: Task<Void, Never>?
    var deadlineTimer: SessionTimer?
    var headersSent = false
    var requestEnded = false
    /// The response status has been queued (or the call was cancelled): nothing more goes out.
    var finished = false
    /// Bytes of DATA submitted to the HTTP/2 session for this stream.
    var submitted = 0

    init(id: HTTP2StreamID, method: RegisteredMethod, context: ServerContext, writer: ResponseWriter,
         requestLimit: RequestSizeLimit) {
        self.id = id
        self.method = method
        self.context = context
        self.writer = writer
        self.requestLimit = requestLimit
        self.deframer = MessageDeframer(maxMessageSize: requestLimit.bytes)
    }

    var clientStreams: Bool { method.descriptor.clientStreaming }
}
