import ProtoWire

/// One call as a handler sees it: the context, the request messages, the response writer.
final class ServerCall: Sendable {
    let context: ServerContext
    let writer: ResponseWriter
    private let single: [UInt8]?
    private let stream: AsyncThrowingStream<[UInt8], Error>?

    init(context: ServerContext, writer: ResponseWriter, single: [UInt8]?, stream: AsyncThrowingStream<[UInt8], Error>?) {
        self.context = context
        self.writer = writer
        self.single = single
        self.stream = stream
    }

    var requests: AsyncThrowingStream<[UInt8], Error> {
        stream ?? AsyncThrowingStream { $0.finish() }
    }

    func singleRequest<R: ProtoMessage>(_ type: R.Type) throws -> R {
        guard let single else { throw RPCError(.internal, "expected one request message") }
        do {
            return try R(serializedBytes: single)
        } catch {
            throw RPCError(.internal, "failed to decode \(R.protoMessageName): \(error)")
        }
    }
}
