internal import CNghttp2

// nghttp2 callbacks: file-private C functions that find the session through user_data, copy what
// they need out of nghttp2's buffers, and record events. None calls back into the application.

extension HTTP2Session {
    static func installCallbacks(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSent)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, onFrameNotSent)
        nghttp2_session_callbacks_set_error_callback2(callbacks, onError)
        nghttp2_session_callbacks_set_send_data_callback(callbacks, sendNoCopyData)
    }
}

private func owner(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
    Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
}

private func has(_ flags: UInt8, _ flag: nghttp2_flag) -> Bool { flags & UInt8(flag.rawValue) != 0 }

private func onBeginHeaders(_ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?,
                            _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let frame else { return 0 }
    let http2 = owner(userData)
    let stream = frame.pointee.hd.stream_id
    http2.inboundBlock.stream = stream
    http2.inboundBlock.headers = []
    http2.inboundBlock.headers.reserveCapacity(16)
    http2.inboundBlock.size = 0
    _ = http2.outboundQueue(stream)  // registers the stream as open (a request, on the server)
    return 0
}

private func onHeader(_ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?,
                      _ name: UnsafePointer<UInt8>?, _ nameLength: Int,
                      _ value: UnsafePointer<UInt8>?, _ valueLength: Int,
                      _ flags: UInt8, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let frame else { return 0 }
    let http2 = owner(userData)
    let stream = frame.pointee.hd.stream_id
    guard stream != 0, http2.inboundBlock.stream == stream else { return 0 }
    http2.inboundBlock.size += nameLength + valueLength + 32
    // nghttp2 announces our limit but does not enforce it. The block is still decoded (HPACK
    // state is shared) but its fields are dropped; the application answers the stream with a
    // status that says why instead of a bare RST_STREAM.
    guard !http2.inboundBlock.oversized else { return 0 }
    guard http2.inboundBlock.size <= Int(http2.settings.maxHeaderListSize) else {
        http2.inboundBlock.oversized = true
        http2.inboundBlock.headers = []
        return 0
    }
    let field = http2.headerCache.header(name: UnsafeBufferPointer(start: name, count: nameLength),
                                         value: UnsafeBufferPointer(start: value, count: valueLength))
    http2.inboundBlock.headers.append(field)
    return 0
}

private func onDataChunk(_ session: OpaquePointer?, _ flags: UInt8, _ stream: Int32,
                         _ data: UnsafePointer<UInt8>?, _ length: Int, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    let http2 = owner(userData)
    if http2.inboundDataStream != stream {
        // A frame cut short (its stream was reset) leaves nothing behind for the next one.
        http2.inboundDataStream = stream
        http2.inboundData = []
    }
    http2.inboundData.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
    return 0
}

private func onFrameReceived(_ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?,
                             _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let frame else { return 0 }
    let http2 = owner(userData)
    let header = frame.pointee.hd
    let endStream = has(header.flags, NGHTTP2_FLAG_END_STREAM)
    switch UInt32(header.type) {
    case NGHTTP2_HEADERS.rawValue:
        guard header.stream_id != 0, http2.inboundBlock.stream == header.stream_id else { return 0 }
        if http2.inboundBlock.oversized {
            let size = http2.inboundBlock.size
            http2.inboundBlock = HTTP2Session.InboundHeaderBlock()
            http2.events.append(.headerListTooLarge(stream: header.stream_id, size: size,
                                                    limit: Int(http2.settings.maxHeaderListSize)))
            return 0
        }
        var headers: [HTTP2Header] = []
        swap(&headers, &http2.inboundBlock.headers)
        http2.inboundBlock.stream = 0
        http2.events.append(.headers(stream: header.stream_id, headers: headers, endStream: endStream))
    case NGHTTP2_DATA.rawValue:
        var bytes: [UInt8] = []
        if http2.inboundDataStream == header.stream_id { swap(&bytes, &http2.inboundData) }
        http2.inboundDataStream = 0
        if !bytes.isEmpty || endStream {
            http2.events.append(.data(stream: header.stream_id, bytes: bytes, endStream: endStream))
        }
    case NGHTTP2_GOAWAY.rawValue:
        http2.events.append(.goAway(lastStreamID: frame.pointee.goaway.last_stream_id,
                                    errorCode: frame.pointee.goaway.error_code))
    default:
        break  // SETTINGS, PING, WINDOW_UPDATE, PRIORITY: nghttp2 acts on them itself.
    }
    return 0
}

private func onFrameSent(_ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?,
                         _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let frame, UInt32(frame.pointee.hd.type) == NGHTTP2_GOAWAY.rawValue else { return 0 }
    let http2 = owner(userData)
    let goAway = frame.pointee.goaway
    guard goAway.error_code != NGHTTP2_NO_ERROR.rawValue, !http2.submittedGoAway, http2.terminalError == nil else { return 0 }
    // nghttp2 tore the connection down because the peer broke the protocol.
    var reason = http2.lastLibraryMessage ?? "the peer violated the HTTP/2 protocol"
    if let debug = goAway.opaque_data, goAway.opaque_data_len > 0 {
        reason = String(decoding: UnsafeBufferPointer(start: debug, count: goAway.opaque_data_len), as: UTF8.self)
    }
    http2.terminalError = HTTP2Error(message: "HTTP/2 connection error: \(reason)", errorCode: goAway.error_code)
    return 0
}

private func onStreamClose(_ session: OpaquePointer?, _ stream: Int32, _ errorCode: UInt32,
                           _ userData: UnsafeMutableRawPointer?) -> Int32 {
    let http2 = owner(userData)
    if let queue = http2.outbound.removeValue(forKey: stream) { http2.recycle(queue) }
    if http2.inboundBlock.stream == stream { http2.inboundBlock = HTTP2Session.InboundHeaderBlock() }
    if http2.inboundDataStream == stream {
        http2.inboundDataStream = 0
        http2.inboundData = []
    }
    http2.events.append(.streamClosed(stream: stream, errorCode: errorCode))
    return 0
}

/// A request's HEADERS that could not go out (GOAWAY received, stream ids spent) never opens a
/// stream, so nghttp2 will not report it closed: report it as refused, which means safe to retry.
private func onFrameNotSent(_ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ code: Int32,
                            _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let frame, UInt32(frame.pointee.hd.type) == NGHTTP2_HEADERS.rawValue else { return 0 }
    let http2 = owner(userData)
    let stream = frame.pointee.hd.stream_id
    guard http2.outbound.removeValue(forKey: stream) != nil else { return 0 }
    http2.events.append(.streamClosed(stream: stream, errorCode: NGHTTP2_REFUSED_STREAM.rawValue))
    return 0
}

private func onError(_ session: OpaquePointer?, _ code: Int32, _ message: UnsafePointer<CChar>?,
                     _ length: Int, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let message else { return 0 }
    owner(userData).lastLibraryMessage = String(decoding: UnsafeRawBufferPointer(start: message, count: length),
                                                as: UTF8.self)
    return 0
}
