import ProtoWire

/// Request messages of a streaming call, decoded as they arrive.
public struct RequestStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let raw: AsyncThrowingStream<[UInt8], Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], Error>.AsyncIterator
        public mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            do {
                return try Message(serializedBytes: bytes)
            } catch {
                throw RPCError(.internal, "failed to decode \(Message.protoMessageName): \(error)")
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: raw.makeAsyncIterator()) }
}

/// Sends response messages of a streaming call. `send` suspends while too many of the
/// stream's bytes are still unsent (HTTP/2 flow control and the socket both count).
public struct ResponseStream<Message: ProtoMessage>: Sendable {
    let writer: ResponseWriter

    public func send(_ message: Message) async throws {
        try await writer.send(message)
    }
}
