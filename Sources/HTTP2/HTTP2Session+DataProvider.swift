internal import CNghttp2

extension HTTP2Session {
    /// A data provider for `stream`: nghttp2 pulls from the stream's OutboundQueue when the flow
    /// control window allows.
    func dataProvider() -> nghttp2_data_provider {
        var provider = nghttp2_data_provider()
        provider.read_callback = readOutbound
        return provider
    }

    /// Sizes one DATA frame's payload without copying it (NGHTTP2_DATA_FLAG_NO_COPY: the bytes
    /// go straight from the queue to the output in `writeFrame`). Returns a byte count, or
    /// NGHTTP2_ERR_DEFERRED to park the stream until `resume(_:)`.
    fileprivate func provideData(stream id: HTTP2StreamID, length: Int,
                                 flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let queue = outbound[id] else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        if pullingControlFramesOnly {
            if !queue.deferred {
                queue.deferred = true
                parkedByReceive.append(id)
            }
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        let copied = min(length, queue.queuedBytes - queue.reserved)
        queue.reserved += copied
        if copied > 0 { flags.pointee |= NGHTTP2_DATA_FLAG_NO_COPY.rawValue }
        if copied > 0, queue.queuedBytes == queue.reserved { events.append(.outboundDrained(stream: id)) }
        if copied > 0, queue.queuedBytes == 0 { events.append(.outboundDrained(stream: id)) }
        if queue.queuedBytes == queue.reserved, queue.endRequested {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            queue.finished = true
            if let trailers = queue.trailers {
                // Trailers carry END_STREAM instead of the last DATA frame.
                flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                let submitted = withNameValues(trailers) { nghttp2_submit_trailer(session, id, $0, $1) }
                if submitted != 0 { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
            }
            return copied
        }
        guard copied > 0 else {
            queue.deferred = true
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        return copied
    }

    /// NGHTTP2_DATA_FLAG_NO_COPY: writes the 9-byte header and `length` queued bytes of `stream`
    /// to the output buffer of the `send(into:)` in progress.
    fileprivate func writeFrame(stream id: HTTP2StreamID, header: UnsafePointer<UInt8>, length: Int) -> Int32 {
        guard let target = noCopyTarget, let queue = outbound[id] else {
            return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
        }
        target.pointee.append(contentsOf: UnsafeBufferPointer(start: header, count: 9))
        let written = queue.read(appendingTo: &target.pointee, count: length)
        queue.reserved -= written
        return written == length ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
    }

    /// Wakes a parked data provider after more was queued or the end was requested.
    func resume(_ id: HTTP2StreamID, _ queue: OutboundQueue) {
        guard queue.deferred else { return }
        queue.deferred = false
        _ = nghttp2_session_resume_data(session, id)
    }
}

private func readOutbound(_ session: OpaquePointer?, _ stream: Int32, _ buffer: UnsafeMutablePointer<UInt8>?,
                          _ length: Int, _ flags: UnsafeMutablePointer<UInt32>?,
                          _ source: UnsafeMutablePointer<nghttp2_data_source>?, _ userData: UnsafeMutableRawPointer?) -> Int {
    guard let flags else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
    let http2 = Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    return http2.provideData(stream: stream, length: length, flags: flags)
}

func sendNoCopyData(_ session: OpaquePointer?, _ frame: UnsafeMutablePointer<nghttp2_frame>?,
                            _ header: UnsafePointer<UInt8>?, _ length: Int,
                            _ source: UnsafeMutablePointer<nghttp2_data_source>?, _ userData: UnsafeMutableRawPointer?) -> Int32 {
    guard let frame, let header else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    let http2 = Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    return http2.writeFrame(stream: frame.pointee.hd.stream_id, header: header, length: length)
}
