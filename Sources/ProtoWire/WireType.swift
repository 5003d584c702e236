/// The low three bits of a field key. Groups (3, 4) and 6, 7 are rejected by the reader.
public enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// A decoded field key. `rawValue` is `fieldNumber << 3 | wireType`, so generated code
/// switches on it directly and a field seen with an unexpected wire type falls to "unknown".
public struct ProtoTag: Sendable, Hashable {
    public let rawValue: UInt32
    public var fieldNumber: Int { Int(rawValue >> 3) }
    public var wireType: WireType { WireType(rawValue: UInt8(rawValue & 7))! }

    @inlinable
    public init(fieldNumber: Int, wireType: WireType) {
        rawValue = UInt32(fieldNumber) << 3 | UInt32(wireType.rawValue)
    }

    @usableFromInline
    init(validatedRawValue: UInt32) { rawValue = validatedRawValue }
}
