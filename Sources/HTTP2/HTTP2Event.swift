/// Something the peer did, recorded during `receive()` or `send(into:)` and handed out by `takeEvents()`.
public enum HTTP2Event: Sendable, Hashable {
    /// A request's, a response's or a trailers' header block.
    case headers(stream: HTTP2StreamID, headers: [HTTP2Header], endStream: Bool)
    /// One DATA frame's payload (padding removed). `bytes` may be empty when only END_STREAM came.
    case data(stream: HTTP2StreamID, bytes: [UInt8], endStream: Bool)
    /// The stream is gone, after both ends finished (errorCode 0) or an RST_STREAM either way.
    case streamClosed(stream: HTTP2StreamID, errorCode: UInt32)
    /// A header block over our SETTINGS_MAX_HEADER_LIST_SIZE (`size` counted as RFC 9113 does);
    /// its fields were dropped, the stream is still open.
    case headerListTooLarge(stream: HTTP2StreamID, size: Int, limit: Int)
    case goAway(lastStreamID: HTTP2StreamID, errorCode: UInt32)
    /// The stream's queued DATA all went into frames: a back-pressured writer may go on.
    case outboundDrained(stream: HTTP2StreamID)
}
