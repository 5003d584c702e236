/// HTTP/2 stream identifiers are 31-bit; nghttp2 uses int32_t.
public typealias HTTP2StreamID = Int32

/// One header field. Pseudo-headers (":path", ":status") are ordinary entries, first in the list.
public struct HTTP2Header: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
