import ProtoWire

/// One call as a handler sees it: the context, the request messages, the response writer.
final class ServerCall: Sendable {
    let context: ServerContext
    let writer: ResponseWriter
    private let single: MessageDeframer.Message?
    private let stream: AsyncThrowingStream<MessageDeframer.Message, Error>?

    init(context: ServerContext, writer: ResponseWriter, single: MessageDeframer.Message?,
         stream: AsyncThrowingStream<MessageDeframer.Message, Error>?) {
        self.context = context
        self.writer = writer
        self.single = single
        self.stream = stream
    }

    var requests: AsyncThrowingStream<MessageDeframer.Message, Error> {
        stream ?? AsyncThrowingStream { $0.finish() }
    }

    func singleRequest<R: ProtoMessage>(_ type: R.Type) throws -> R {
        guard let single else { throw RPCError(.internal, "expected one request message") }
        context.noteRequestCompressed(single.compressed)
        do {
            return try R(serializedBytes: single.bytes)
        } catch {
            throw RPCError(.internal, "failed to decode \(R.protoMessageName): \(error)")
        }
    }
}
