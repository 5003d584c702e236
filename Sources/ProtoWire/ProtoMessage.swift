/// A protobuf message: a value type that knows its own wire format.
///
/// Generated types implement `decodeMessage(from:)`, `encodeMessage(to:)` and
/// `serializedSize`; the byte-level entry points below are shared so every message
/// encodes into one buffer sized up front and decodes without trapping.
public protocol ProtoMessage: Sendable, Hashable {
    init()
    /// Fully qualified, e.g. "joblet.RunJobRequest".
    static var protoMessageName: String { get }
    init(serializedBytes: [UInt8]) throws
    init(serializedBytes: UnsafeRawBufferPointer) throws
    func serializedBytes() -> [UInt8]
    /// Bytes `serializedBytes()` will produce; nested lengths are computed from it.
    var serializedSize: Int { get }
    /// Fields this build does not know, kept on decode and re-emitted byte-exact on encode.
    var unknownFields: UnknownFields { get set }

    /// Merges the fields read from `reader` into `self` (protobuf merge semantics).
    mutating func decodeMessage(from reader: inout ProtoReader) throws
    /// Writes exactly `serializedSize` bytes.
    func encodeMessage(to writer: inout ProtoWriter)
}

extension ProtoMessage {
    public init(serializedBytes bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try Self(serializedBytes: $0) }
    }

    public init(serializedBytes bytes: UnsafeRawBufferPointer) throws {
        self.init()
        var reader = ProtoReader(bytes)
        try decodeMessage(from: &reader)
    }

    public func serializedBytes() -> [UInt8] {
        let size = serializedSize
        if size == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var writer = ProtoWriter(buffer)
            encodeMessage(to: &writer)
            // A mismatch here would mean serializedSize and encodeMessage disagree: a generator bug.
            precondition(writer.position == size, "\(Self.protoMessageName): wrote \(writer.position) of \(size) bytes")
            count = size
        }
    }
}
