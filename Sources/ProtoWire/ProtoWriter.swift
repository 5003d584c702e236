/// Writes a message into a buffer already sized by `serializedSize`.
///
/// Every write checks the bound, so a size computed wrong traps instead of corrupting memory.
public struct ProtoWriter {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>?
    @usableFromInline let capacity: Int
    @usableFromInline var offset: Int
    /// Bytes written so far.
    public var position: Int { offset }

    public init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress  // nil only for an empty buffer, where every write traps on the bound
        capacity = buffer.count
        offset = 0
    }

    @inlinable @inline(__always)
    mutating func advance(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        precondition(n <= capacity &- offset, "ProtoWriter overflow: serializedSize was too small")
        let p = base.unsafelyUnwrapped + offset
        offset &+= n
        return p
    }

    @inlinable
    public mutating func writeVarint(_ value: UInt64) {
        let p = advance(ProtoSize.varint(value))
        var v = value
        var i = 0
        while v >= 0x80 {
            p[i] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            i &+= 1
        }
        p[i] = UInt8(v)
    }

    /// A field key, precomputed by the generator as `fieldNumber << 3 | wireType`.
    @inlinable public mutating func writeTag(_ rawTag: UInt32) { writeVarint(UInt64(rawTag)) }

    @inlinable public mutating func writeInt32(_ v: Int32) { writeVarint(UInt64(bitPattern: Int64(v))) } // negatives: 10 bytes
    @inlinable public mutating func writeInt64(_ v: Int64) { writeVarint(UInt64(bitPattern: v)) }
    @inlinable public mutating func writeUInt32(_ v: UInt32) { writeVarint(UInt64(v)) }
    @inlinable public mutating func writeUInt64(_ v: UInt64) { writeVarint(v) }
    @inlinable public mutating func writeSInt32(_ v: Int32) { writeVarint(UInt64(ZigZag.encode32(v))) }
    @inlinable public mutating func writeSInt64(_ v: Int64) { writeVarint(ZigZag.encode64(v)) }
    @inlinable public mutating func writeBool(_ v: Bool) { writeVarint(v ? 1 : 0) }
    @inlinable public mutating func writeEnum<E: ProtoEnum>(_ v: E) { writeInt32(v.rawValue) }

    @inlinable
    public mutating func writeFixed32(_ v: UInt32) {
        let p = UnsafeMutableRawPointer(advance(4))
        p.storeBytes(of: v.littleEndian, as: UInt32.self)
    }

    @inlinable
    public mutating func writeFixed64(_ v: UInt64) {
        let p = UnsafeMutableRawPointer(advance(8))
        p.storeBytes(of: v.littleEndian, as: UInt64.self)
    }

    @inlinable public mutating func writeSFixed32(_ v: Int32) { writeFixed32(UInt32(bitPattern: v)) }
    @inlinable public mutating func writeSFixed64(_ v: Int64) { writeFixed64(UInt64(bitPattern: v)) }
    @inlinable public mutating func writeFloat(_ v: Float) { writeFixed32(v.bitPattern) }
    @inlinable public mutating func writeDouble(_ v: Double) { writeFixed64(v.bitPattern) }

    /// Length prefix plus the string's UTF-8.
    @inlinable
    public mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { writeBytes(UnsafeRawBufferPointer($0)) }
    }

    /// Length prefix plus the bytes.
    @inlinable
    public mutating func writeBytes(_ b: [UInt8]) {
        b.withUnsafeBytes { writeBytes($0) }
    }

    @inlinable
    public mutating func writeBytes(_ b: UnsafeRawBufferPointer) {
        writeVarint(UInt64(b.count))
        writeRaw(b)
    }

    /// Bytes copied as they are, without a length prefix (unknown fields).
    @inlinable
    public mutating func writeRaw(_ b: UnsafeRawBufferPointer) {
        guard b.count > 0 else { return }
        let p = advance(b.count)
        UnsafeMutableRawPointer(p).copyMemory(from: b.baseAddress!, byteCount: b.count)
    }

    @inlinable
    public mutating func writeUnknown(_ u: UnknownFields) {
        u.bytes.withUnsafeBytes { writeRaw($0) }
    }

    /// Length prefix plus the nested message.
    @inlinable
    public mutating func writeMessage<M: ProtoMessage>(_ m: M) {
        writeVarint(UInt64(m.serializedSize))
        m.encodeMessage(to: &self)
    }
}
