/// What we announce in our first SETTINGS frame, plus our connection-level receive window.
public struct HTTP2Settings: Sendable, Hashable {
    public var maxConcurrentStreams: UInt32
    /// Per-stream receive window.
    public var initialWindowSize: UInt32
    /// Connection receive window; raised past the 64 KiB default so many streams can flow at once.
    public var connectionWindowSize: UInt32
    public var maxFrameSize: UInt32
    /// Inbound header blocks larger than this (RFC 9113 accounting: name + value + 32 per field)
    /// get their stream reset.
    public var maxHeaderListSize: UInt32

    public init(maxConcurrentStreams: UInt32 = 1000, initialWindowSize: UInt32 = 1 << 20,
                connectionWindowSize: UInt32 = 16 << 20, maxFrameSize: UInt32 = 16 * 1024,
                maxHeaderListSize: UInt32 = 16 * 1024) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialWindowSize = initialWindowSize
        self.connectionWindowSize = connectionWindowSize
        self.maxFrameSize = maxFrameSize
        self.maxHeaderListSize = maxHeaderListSize
    }
}
