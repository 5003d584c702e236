internal import CNghttp2

extension HTTP2Session {
    /// Response headers (server), or a header block on an open stream (client).
    /// Without `endStream`, DATA and trailers may follow.
    public func submitHeaders(stream: HTTP2StreamID, headers: [HTTP2Header], endStream: Bool) throws {
        try requireOpen(stream)
        let queue = outboundQueue(stream)
        guard !queue.finished else { throw HTTP2Error(message: "stream \(stream) already ended: headers cannot be sent") }
        if endStream {
            guard queue.queuedBytes == 0 else {
                throw HTTP2Error(message: "stream \(stream) cannot end with its headers: DATA is queued")
            }
            queue.finished = true
        }
        var provider = dataProvider()
        let result: Int32
        switch role {
        case .server:
            result = withNameValues(headers) { list, count in
                endStream ? nghttp2_submit_response(session, stream, list, count, nil)
                          : nghttp2_submit_response(session, stream, list, count, &provider)
            }
        case .client:
            let flags = UInt8((endStream ? NGHTTP2_FLAG_END_STREAM : NGHTTP2_FLAG_NONE).rawValue)
            result = withNameValues(headers) { nghttp2_submit_headers(session, flags, stream, nil, $0, $1, nil) }
        }
        guard result >= 0 else { throw HTTP2Error("cannot submit headers on stream \(stream)", libraryCode: Int(result)) }
    }

    /// Opens a stream with a request; the id is assigned now. Without `endStream`, DATA may follow.
    public func submitRequest(headers: [HTTP2Header], endStream: Bool) throws -> HTTP2StreamID {
        var provider = dataProvider()
        let stream = withNameValues(headers) { list, count in
            endStream ? nghttp2_submit_request(session, nil, list, count, nil, nil)
                      : nghttp2_submit_request(session, nil, list, count, &provider, nil)
        }
        guard stream > 0 else { throw HTTP2Error("cannot submit a request", libraryCode: Int(stream)) }
        let queue = outboundQueue(stream)
        queue.finished = endStream
        return stream
    }

    /// Queues DATA; it goes out as the peer's flow-control window allows. `bytes` is kept, not copied.
    public func submitData(stream: HTTP2StreamID, bytes: [UInt8], endStream: Bool) throws {
        try requireOpen(stream)
        let queue = outboundQueue(stream)
        guard !queue.finished, !queue.endRequested else {
            throw HTTP2Error(message: "stream \(stream) already ended: no more DATA may be sent")
        }
        queue.append(bytes)
        queue.endRequested = endStream
        resume(stream, queue)
    }

    /// Trailers, sent with END_STREAM once the queued DATA is out.
    public func submitTrailers(stream: HTTP2StreamID, headers: [HTTP2Header]) throws {
        try requireOpen(stream)
        let queue = outboundQueue(stream)
        guard !queue.finished, !queue.endRequested else {
            throw HTTP2Error(message: "stream \(stream) already ended: trailers cannot be sent")
        }
        queue.trailers = headers
        queue.endRequested = true
        resume(stream, queue)
    }

    /// DATA bytes queued on `stream` and not yet framed (held back by flow control or not yet sent).
    public func queuedOutboundBytes(stream: HTTP2StreamID) -> Int {
        outbound[stream]?.queuedBytes ?? 0
    }

    public func resetStream(_ stream: HTTP2StreamID, errorCode: UInt32) throws {
        let result = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, errorCode)
        guard result == 0 else { throw HTTP2Error("cannot reset stream \(stream)", libraryCode: Int(result)) }
    }

    /// GOAWAY naming the last stream we processed; streams up to it may finish.
    public func submitGoAway(errorCode: UInt32) throws {
        submittedGoAway = true
        let last = nghttp2_session_get_last_proc_stream_id(session)
        let result = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, errorCode, nil, 0)
        guard result == 0 else { throw HTTP2Error("cannot submit GOAWAY", libraryCode: Int(result)) }
    }

    public func submitPing() throws {
        let result = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
        guard result == 0 else { throw HTTP2Error("cannot submit PING", libraryCode: Int(result)) }
    }

    /// Inbound flow control is automatic (nghttp2 sends WINDOW_UPDATE as DATA is received), so this
    /// does nothing; it is the hook for manual window management should a consumer need it.
    public func consumeInbound(stream: HTTP2StreamID, bytes: Int) {}

    /// `outbound` is the registry of open streams: an entry is made when a request arrives or is
    /// submitted and dropped when the stream closes. (nghttp2 creates a client stream only once its
    /// HEADERS go out, so it cannot answer this for a request submitted a moment ago.)
    private func requireOpen(_ stream: HTTP2StreamID) throws {
        guard outbound[stream] != nil else { throw HTTP2Error(message: "stream \(stream) is not open") }
    }
}

extension HTTP2Session {
    /// The stream's queue, made on first use.
    func outboundQueue(_ stream: HTTP2StreamID) -> OutboundQueue {
        if let queue = outbound[stream] { return queue }
        let queue = spareQueues.popLast() ?? OutboundQueue()
        outbound[stream] = queue
        return queue
    }

    /// A closed stream's queue, kept for the next stream (two allocations less per call).
    func recycle(_ queue: OutboundQueue) {
        guard spareQueues.count < 32 else { return }
        queue.reset()
        spareQueues.append(queue)
    }
}
