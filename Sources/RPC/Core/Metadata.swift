import HTTP2

/// Custom metadata of a call: ordered, keys lower case. Keys ending in `-bin` carry bytes,
/// base64-encoded on the wire; others carry printable ASCII.
public struct Metadata: Sendable, Hashable, Sequence {
    public enum Value: Sendable, Hashable {
        case string(String)
        case binary([UInt8])
    }

    public private(set) var entries: [(key: String, value: Value)] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (k, v) in pairs { add(k, v) }
    }

    public mutating func add(_ key: String, _ value: String) {
        entries.append((Metadata.lower(key), .string(value)))
    }

    public mutating func add(_ key: String, binary: [UInt8]) {
        entries.append((Metadata.lower(key), .binary(binary)))
    }

    public mutating func append(contentsOf other: Metadata) {
        entries.append(contentsOf: other.entries)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    /// `key` in lower case; no new string when it is already (the usual case).
    private static func lower(_ key: String) -> String {
        key.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? key.lowercased() : key
    }

    public subscript(key: String) -> [Value] {
        let k = Metadata.lower(key)
        return entries.filter { $0.key == k }.map(\.value)
    }

    public func first(_ key: String) -> String? {
        let key = Metadata.lower(key)
        for e in entries where e.key == key {
            if case .string(let s) = e.value { return s }
        }
        return nil
    }

    public func firstBinary(_ key: String) -> [UInt8]? {
        let key = Metadata.lower(key)
        for e in entries where e.key == key {
            if case .binary(let b) = e.value { return b }
        }
        return nil
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: Value)]> {
        entries.makeIterator()
    }

    public static func == (a: Metadata, b: Metadata) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for e in entries { hasher.combine(e.key); hasher.combine(e.value) }
    }

    /// Headers that gRPC itself owns never appear as custom metadata.
    static func isReserved(_ name: String) -> Bool {
        // Every request's headers pass through here: decide most names by their first byte
        // before comparing whole strings.
        switch name.utf8.first {
        case UInt8(ascii: ":"): return true
        case UInt8(ascii: "a"), UInt8(ascii: "c"), UInt8(ascii: "g"), UInt8(ascii: "h"), UInt8(ascii: "t"): break
        default: return false
        }
        switch name {
        case "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
             "grpc-status", "grpc-message", "grpc-status-details-bin", "content-length",
             "connection", "host", "accept-encoding":
            return true
        default:
            return false
        }
    }

    /// Builds metadata from received headers; a `-bin` value that is not base64 is dropped.
    init(headers: [HTTP2Header]) {
        for h in headers where !Metadata.isReserved(h.name) {
            if h.name.hasSuffix("-bin") {
                if let bytes = Base64.decode(h.value) { entries.append((h.name, .binary(bytes))) }
            } else {
                entries.append((h.name, .string(h.value)))
            }
        }
    }

    func appendHeaders(to headers: inout [HTTP2Header]) {
        for e in entries where !Metadata.isReserved(e.key) {
            switch e.value {
            case .string(let s): headers.append(HTTP2Header(name: e.key, value: s))
            case .binary(let b): headers.append(HTTP2Header(name: e.key, value: Base64.encode(b)))
            }
        }
    }
}
