#if canImport(Glibc)
import Glibc
#endif

/// The header fields a connection received most recently, so the same bytes (a client sends the
/// same `:path`, `content-type`, `user-agent` and `grpc-accept-encoding` on every call) become the
/// same `HTTP2Header` without allocating its strings again. Per session, so nothing crosses
/// connections; a miss costs a few length comparisons.
struct HeaderCache {
    private static let size = 16
    private var entries: [HTTP2Header?] = Array(repeating: nil, count: HeaderCache.size)
    private var next = 0

    mutating func header(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> HTTP2Header {
        for case let entry? in entries where Self.equal(entry.name, name) && Self.equal(entry.value, value) {
            return entry
        }
        let made = HTTP2Header(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        entries[next] = made
        next = (next + 1) % Self.size
        return made
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard string.utf8.count == bytes.count else { return false }
        var string = string
        return string.withUTF8 { utf8 in
            bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }
    }
}
