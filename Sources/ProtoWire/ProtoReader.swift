/// Reads protobuf wire format from borrowed bytes.
///
/// Every length is checked against the bytes that remain before anything is read or
/// allocated, so a hostile length prefix costs nothing; every failure throws.
public struct ProtoReader {
    /// Messages nested deeper than this are rejected (matches upb and protobuf C++).
    public static let maxDepth = 100

    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline let end: Int
    @usableFromInline var position: Int
    @usableFromInline let depth: Int
    @usableFromInline var tagStart: Int = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.init(base: bytes.baseAddress, end: bytes.count, depth: 0)
    }

    @usableFromInline
    init(base: UnsafeRawPointer?, end: Int, depth: Int) {
        self.base = base
        self.end = end
        self.position = 0
        self.depth = depth
    }

    public var isAtEnd: Bool { position == end }

    @usableFromInline
    func error(_ reason: ProtoDecodingError.Reason) -> ProtoDecodingError {
        ProtoDecodingError(reason, offset: position)
    }

    // MARK: keys and varints

    /// The next field's key, or nil at the end of the message.
    @inlinable
    public mutating func nextTag() throws -> ProtoTag? {
        if position == end { return nil }
        tagStart = position
        let key = try readVarint()
        guard key <= UInt64(UInt32.max) else { throw error(.invalidFieldNumber) }
        guard key >> 3 != 0 else { throw error(.invalidFieldNumber) }
        switch key & 7 {
        case 0, 1, 2, 5: return ProtoTag(validatedRawValue: UInt32(key))
        case 3, 4: throw error(.groupsUnsupported)
        default: throw error(.invalidWireType)
        }
    }

    @inlinable
    public mutating func readVarint() throws -> UInt64 {
        guard let base else { throw error(.truncatedVarint) }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = position
        while i < end {
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            i &+= 1
            // The tenth byte carries bit 63; bits beyond it are dropped, as upb and C++ do.
            result |= UInt64(byte & 0x7F) &<< shift
            if byte < 0x80 {
                position = i
                return result
            }
            shift &+= 7
            if shift >= 70 { throw error(.varintTooLong) }
        }
        throw error(.truncatedVarint)
    }

    @inlinable public mutating func readInt32() throws -> Int32 { Int32(truncatingIfNeeded: try readVarint()) }
    @inlinable public mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readVarint()) }
    @inlinable public mutating func readUInt32() throws -> UInt32 { UInt32(truncatingIfNeeded: try readVarint()) }
    @inlinable public mutating func readUInt64() throws -> UInt64 { try readVarint() }
    @inlinable public mutating func readSInt32() throws -> Int32 { ZigZag.decode32(UInt32(truncatingIfNeeded: try readVarint())) }
    @inlinable public mutating func readSInt64() throws -> Int64 { ZigZag.decode64(try readVarint()) }
    @inlinable public mutating func readBool() throws -> Bool { try readVarint() != 0 }
    @inlinable public mutating func readEnum<E: ProtoEnum>() throws -> E { E(rawValue: try readInt32()) }

    // MARK: fixed width

    @inlinable
    mutating func take(_ n: Int) throws -> UnsafeRawPointer {
        guard n <= end &- position, let base else { throw error(.truncated) }
        let p = base + position
        position &+= n
        return p
    }

    @inlinable public mutating func readFixed32() throws -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
    @inlinable public mutating func readFixed64() throws -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
    @inlinable public mutating func readSFixed32() throws -> Int32 { Int32(bitPattern: try readFixed32()) }
    @inlinable public mutating func readSFixed64() throws -> Int64 { Int64(bitPattern: try readFixed64()) }
    @inlinable public mutating func readFloat() throws -> Float { Float(bitPattern: try readFixed32()) }
    @inlinable public mutating func readDouble() throws -> Double { Double(bitPattern: try readFixed64()) }

    // MARK: length-delimited

    /// The payload of a length-delimited field, borrowed from the input.
    @inlinable
    public mutating func readLengthDelimited() throws -> UnsafeRawBufferPointer {
        let length = try readVarint()
        guard length <= UInt64(end &- position) else { throw error(.lengthPastEnd) }
        let n = Int(length)
        if n == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: try take(n), count: n)
    }

    @inlinable
    public mutating func readBytes() throws -> [UInt8] {
        [UInt8](try readLengthDelimited())
    }

    @inlinable
    public mutating func readString() throws -> String {
        let start = position
        let raw = try readLengthDelimited()
        guard let s = ProtoReader.validatedString(raw) else {
            throw ProtoDecodingError(.invalidUTF8, offset: start)
        }
        return s
    }

    @usableFromInline
    static func validatedString(_ raw: UnsafeRawBufferPointer) -> String? {
        if raw.isEmpty { return "" }
        if #available(macOS 15, *) {
            // Typed code units take the standard library's fast validation path.
            return String(validating: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        } else {
            // Decoding repairs bad sequences with U+FFFD; any repair changes the bytes.
            let s = String(decoding: raw, as: UTF8.self)
            return s.utf8.elementsEqual(raw) ? s : nil
        }
    }

    /// Reads a nested message's bytes and merges them into `message`.
    @inlinable
    public mutating func readMessage<M: ProtoMessage>(into message: inout M) throws {
        var sub = try nestedReader()
        try message.decodeMessage(from: &sub)
    }

    /// A reader over the next length-delimited payload, one level deeper.
    @inlinable
    public mutating func nestedReader() throws -> ProtoReader {
        guard depth < ProtoReader.maxDepth else { throw error(.nestingTooDeep) }
        let payload = try readLengthDelimited()
        return ProtoReader(base: payload.baseAddress, end: payload.count, depth: depth &+ 1)
    }

    // MARK: repeated and maps

    /// A packed run of varint-encoded values.
    @inlinable
    public mutating func readPackedVarints<T>(into array: inout [T], _ read: (inout ProtoReader) throws -> T) throws {
        var sub = try nestedReader()
        while !sub.isAtEnd { array.append(try read(&sub)) }
    }

    /// A packed run of fixed-width values; the length must be a whole number of elements.
    @inlinable
    public mutating func readPackedFixed<T>(into array: inout [T], width: Int, _ read: (inout ProtoReader) throws -> T) throws {
        let start = position
        var sub = try nestedReader()
        guard sub.end % width == 0 else { throw ProtoDecodingError(.invalidPackedLength, offset: start) }
        array.reserveCapacity(array.count + sub.end / width)  // bounded by the input's length
        while !sub.isAtEnd { array.append(try read(&sub)) }
    }

    /// One map entry: a nested message with the key as field 1 and the value as field 2.
    /// A missing key or value takes its default; other fields in the entry are ignored.
    @inlinable
    public mutating func readMapEntry<K, V>(
        into map: inout [K: V],
        keyTag: UInt32, defaultKey: K, key readKey: (inout ProtoReader) throws -> K,
        valueTag: UInt32, defaultValue: @autoclosure () -> V, value readValue: (inout ProtoReader) throws -> V
    ) throws {
        var sub = try nestedReader()
        var key = defaultKey
        var value: V?
        while let tag = try sub.nextTag() {
            if tag.rawValue == keyTag {
                key = try readKey(&sub)
            } else if tag.rawValue == valueTag {
                value = try readValue(&sub)
            } else {
                try sub.skipField(tag)
            }
        }
        map[key] = value ?? defaultValue()
    }

    // MARK: unknown fields

    /// Skips the field whose key was just read.
    @inlinable
    public mutating func skipField(_ tag: ProtoTag) throws {
        switch tag.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try take(8)
        case .fixed32: _ = try take(4)
        case .lengthDelimited: _ = try readLengthDelimited()
        }
    }

    /// Skips the field whose key was just read and keeps its exact bytes, key included.
    @inlinable
    public mutating func skipField(_ tag: ProtoTag, into unknown: inout UnknownFields) throws {
        let start = tagStart
        try skipField(tag)
        if let base {
            unknown.bytes.append(contentsOf: UnsafeRawBufferPointer(start: base + start, count: position &- start))
        }
    }
}
