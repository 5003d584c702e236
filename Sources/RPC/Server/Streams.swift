import ProtoWire

/// Request messages of a streaming call, decoded as they arrive.
public struct RequestStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let raw: AsyncThrowingStream<MessageDeframer.Message, Error>
    let context: ServerContext

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<MessageDeframer.Message, Error>.AsyncIterator
        let context: ServerContext
        public mutating func next() async throws -> Message? {
            guard let received = try await base.next() else { return nil }
            // The flag travels with its message: noted as this one is handed out, not when read.
            context.noteRequestCompressed(received.compressed)
            do {
                return try Message(serializedBytes: received.bytes)
            } catch {
                throw RPCError(.internal, "failed to decode \(Message.protoMessageName): \(error)")
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: raw.makeAsyncIterator(), context: context) }
}

/// Sends response messages of a streaming call. `send` suspends while too many of the
/// stream's bytes are still unsent (HTTP/2 flow control and the socket both count).
public struct ResponseStream<Message: ProtoMessage>: Sendable {
    let writer: ResponseWriter

    public func send(_ message: Message) async throws {
        try await writer.send(message)
    }
}
