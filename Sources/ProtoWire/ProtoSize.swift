/// Encoded sizes of values without their key; the generator adds the key's size as a constant.
public enum ProtoSize {
    @inlinable
    public static func varint(_ v: UInt64) -> Int {
        // 1 byte per 7 significant bits, at least one byte.
        let bits = 64 &- (v | 1).leadingZeroBitCount
        return (bits &+ 6) / 7
    }

    @inlinable public static func int32(_ v: Int32) -> Int { v < 0 ? 10 : varint(UInt64(v)) }
    @inlinable public static func int64(_ v: Int64) -> Int { varint(UInt64(bitPattern: v)) }
    @inlinable public static func uint32(_ v: UInt32) -> Int { varint(UInt64(v)) }
    @inlinable public static func uint64(_ v: UInt64) -> Int { varint(v) }
    @inlinable public static func sint32(_ v: Int32) -> Int { varint(UInt64(ZigZag.encode32(v))) }
    @inlinable public static func sint64(_ v: Int64) -> Int { varint(ZigZag.encode64(v)) }
    @inlinable public static func bool(_ v: Bool) -> Int { 1 }
    @inlinable public static func enumValue<E: ProtoEnum>(_ v: E) -> Int { int32(v.rawValue) }
    @inlinable public static func fixed32<T>(_ v: T) -> Int { 4 }
    @inlinable public static func fixed64<T>(_ v: T) -> Int { 8 }

    /// Length prefix plus payload.
    @inlinable public static func lengthDelimited(_ n: Int) -> Int { varint(UInt64(n)) &+ n }
    @inlinable public static func string(_ s: String) -> Int { lengthDelimited(s.utf8.count) }
    @inlinable public static func bytes(_ b: [UInt8]) -> Int { lengthDelimited(b.count) }
    @inlinable public static func message<M: ProtoMessage>(_ m: M) -> Int { lengthDelimited(m.serializedSize) }
}
