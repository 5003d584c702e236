/// The 5-byte gRPC message prefix: compressed flag, then a big-endian length.
import ProtoWire

public enum MessageFramer {
    /// Encodes `message` straight behind its 5-byte prefix: one allocation, no copy.
    public static func frame<M: ProtoMessage>(message: M) -> [UInt8] {
        let size = message.serializedSize
        return [UInt8](unsafeUninitializedCapacity: size + 5) { buffer, count in
            let n = UInt32(size)
            buffer[0] = 0
            buffer[1] = UInt8(n >> 24); buffer[2] = UInt8(n >> 16 & 0xFF)
            buffer[3] = UInt8(n >> 8 & 0xFF); buffer[4] = UInt8(n & 0xFF)
            if size > 0 {
                var writer = ProtoWriter(UnsafeMutableBufferPointer(rebasing: buffer[5...]))
                message.encodeMessage(to: &writer)
                precondition(writer.position == size, "\(M.protoMessageName): serializedSize disagrees with encodeMessage")
            }
            count = size + 5
        }
    }

    public static func frame(_ message: [UInt8], compressed: Bool) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(5 + message.count)
        appendFrame(message, compressed: compressed, to: &out)
        return out
    }

    public static func appendFrame(_ message: [UInt8], compressed: Bool, to out: inout [UInt8]) {
        let n = UInt32(message.count)
        out.append(compressed ? 1 : 0)
        out.append(UInt8(n >> 24)); out.append(UInt8(n >> 16 & 0xFF))
        out.append(UInt8(n >> 8 & 0xFF)); out.append(UInt8(n & 0xFF))
        out.append(contentsOf: message)
    }
}

public enum DeframingError: Error, Equatable {
    /// The prefix announced a message over the limit; nothing of it was buffered.
    case messageTooLarge(length: UInt64, limit: Int)
    case badCompressedFlag(UInt8)
}

/// Reassembles gRPC messages from DATA frames. The max-size check happens on the prefix,
/// before any byte of the message is kept.
public struct MessageDeframer: Sendable {
    public struct Message: Sendable {
        public var compressed: Bool
        public var bytes: [UInt8]
    }

    public let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// True when bytes of an unfinished message are buffered (a stream ending now is truncated).
    public var hasPartialMessage: Bool { buffer.count > readIndex }

    /// The length the next message's prefix announces, once its 5 bytes are here.
    public var announcedLength: Int? {
        guard buffer.count - readIndex >= 5 else { return nil }
        return Int(buffer[readIndex + 1]) << 24 | Int(buffer[readIndex + 2]) << 16
            | Int(buffer[readIndex + 3]) << 8 | Int(buffer[readIndex + 4])
    }

    public mutating func append(_ bytes: [UInt8]) {
        if readIndex == buffer.count {
            buffer = bytes
            readIndex = 0
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// The next complete message, or nil when more bytes are needed.
    public mutating func next() throws(DeframingError) -> Message? {
        let available = buffer.count - readIndex
        guard available >= 5 else { compact(); return nil }
        let flag = buffer[readIndex]
        guard flag <= 1 else { throw .badCompressedFlag(flag) }
        let length = UInt64(buffer[readIndex + 1]) << 24 | UInt64(buffer[readIndex + 2]) << 16
            | UInt64(buffer[readIndex + 3]) << 8 | UInt64(buffer[readIndex + 4])
        guard length <= UInt64(maxMessageSize) else { throw .messageTooLarge(length: length, limit: maxMessageSize) }
        let n = Int(length)
        guard available >= 5 + n else { compact(); return nil }
        let start = readIndex + 5
        let message: [UInt8]
        if start == 0 + 5 && readIndex == 0 && n == buffer.count - 5 {
            // The common case: one DATA frame held exactly one message; avoid a copy.
            buffer.removeFirst(5)
            message = buffer
            buffer = []
            readIndex = 0
        } else {
            message = Array(buffer[start..<(start + n)])
            readIndex = start + n
            if readIndex == buffer.count { buffer = []; readIndex = 0 }
        }
        return Message(compressed: flag == 1, bytes: message)
    }

    private mutating func compact() {
        if readIndex > 0 && readIndex > buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
