import HTTP2

/// Responses (posted by `ResponseWriter` through the executor) and ending calls.
extension GRPCServerSession {
    /// The response headers of nearly every call (no compression, no custom metadata), built once.
    private static let plainResponseHeaders = [
        HTTP2Header(name: ":status", value: "200"),
        HTTP2Header(name: "content-type", value: "application/grpc"),
        HTTP2Header(name: "grpc-accept-encoding", value: MessageEncoding.acceptHeaderValue),
    ]
    /// The trailers of a call that ended OK with no trailing metadata, built once.
    private static let okTrailers = [HTTP2Header(name: "grpc-status", value: "0")]

    private func responseHeaders(_ metadata: Metadata, compressed: Bool, reserving extra: Int = 0) -> [HTTP2Header] {
        if !compressed && metadata.isEmpty && extra == 0 { return Self.plainResponseHeaders }
        var headers = Self.plainResponseHeaders
        headers.reserveCapacity(4 + metadata.count + extra)
        // grpc-encoding goes before grpc-accept-encoding, as it always has.
        if compressed { headers.insert(HTTP2Header(name: "grpc-encoding", value: "gzip"), at: 2) }
        metadata.appendHeaders(to: &headers)
        return headers
    }

    private func trailers(_ status: RPCStatusCode, _ message: String, _ metadata: Metadata) -> [HTTP2Header] {
        if status == .ok && message.isEmpty && metadata.isEmpty { return Self.okTrailers }
        var trailers: [HTTP2Header] = []
        trailers.reserveCapacity(2 + metadata.count)
        trailers.append(HTTP2Header(name: "grpc-status", value: String(status.rawValue)))
        if !message.isEmpty { trailers.append(HTTP2Header(name: "grpc-message", value: GRPCMessageCoding.encode(message))) }
        metadata.appendHeaders(to: &trailers)
        return trailers
    }

    func sendMessage(stream id: HTTP2StreamID, framed: [UInt8], initialMetadata: Metadata?, compressed: Bool) {
        guard let st = streams[id], !st.finished else { return }
        do {
            if let initialMetadata, !st.headersSent {
                st.headersSent = true
                try h2.submitHeaders(stream: id, headers: responseHeaders(initialMetadata, compressed: compressed), endStream: false)
            }
            try h2.submitData(stream: id, bytes: framed, endStream: false)
            st.submitted += framed.count
        } catch {
            cancel(st, RPCError(.internal, "cannot send: \(error)"))
        }
        requestFlush()
    }

    func finishStream(stream id: HTTP2StreamID, initialMetadata: Metadata?, deferred: [UInt8]?, compressed: Bool,
                      status: RPCStatusCode, message: String, trailingMetadata: Metadata) {
        guard let st = streams[id], !st.finished else { return }
        st.finished = true
        releaseBudget(st)
        if let t = st.deadlineTimer { executor.cancelTimer(t); st.deadlineTimer = nil }
        let trailers = trailers(status, message, trailingMetadata)
        do {
            if !st.headersSent && deferred == nil {
                // Trailers-Only: one HEADERS frame carries the status.
                st.headersSent = true
                var headers = responseHeaders(initialMetadata ?? Metadata(), compressed: false, reserving: trailers.count)
                headers.append(contentsOf: trailers)
                try h2.submitHeaders(stream: id, headers: headers, endStream: true)
            } else {
                if !st.headersSent {
                    st.headersSent = true
                    try h2.submitHeaders(stream: id, headers: responseHeaders(initialMetadata ?? Metadata(), compressed: compressed), endStream: false)
                }
                if let deferred {
                    try h2.submitData(stream: id, bytes: deferred, endStream: false)
                    st.submitted += deferred.count
                }
                try h2.submitTrailers(stream: id, headers: trailers)
            }
        } catch {
            configuration.logger.debug("cannot finish stream \(id): \(error)")
        }
        requestFlush()
    }

    func watchDrain(stream id: HTTP2StreamID) {
        guard streams[id] != nil else { return }
        drainWatch.insert(id)
        requestFlush()
    }

    // MARK: ending calls

    /// A protocol-level error found by the transport: answer with the status, stop the handler.
    func fail(_ st: ServerStreamState, _ error: RPCError) {
        respond(st, error)
        cancel(st, error)
    }

    private func respond(_ st: ServerStreamState, _ error: RPCError) {
        guard !st.finished else { return }
        finishStream(stream: st.id, initialMetadata: st.headersSent ? nil : Metadata(), deferred: nil, compressed: false,
                     status: error.code, message: error.message, trailingMetadata: error.trailingMetadata)
        // The client may still be sending; tell it to stop once the status is out.
        if !st.requestEnded { pendingResets.append(st.id) }
    }

    func cancel(_ st: ServerStreamState, _ error: RPCError) {
        st.finished = true
        releaseBudget(st)
        st.context.cancellation.store(true, ordering: .relaxed)
        st.writer.cancel(error)
        st.continuation?.finish(throwing: error)
        st.continuation = nil
        st.task?.cancel()
        if let t = st.deadlineTimer { executor.cancelTimer(t); st.deadlineTimer = nil }
    }

    /// The call no longer holds its large request: give its reservation back.
    private func releaseBudget(_ st: ServerStreamState) {
        guard st.reservedBytes > 0 else { return }
        configuration.largeRequestBudget?.release(st.reservedBytes)
        st.reservedBytes = 0
    }

    func deadlineExceeded(_ id: HTTP2StreamID) {
        guard let st = streams[id], !st.finished else { return }
        fail(st, RPCError(.deadlineExceeded, "deadline exceeded"))
    }

    func trailersOnly(_ id: HTTP2StreamID, _ error: RPCError) {
        var headers = responseHeaders(Metadata(), compressed: false)
        headers.append(HTTP2Header(name: "grpc-status", value: String(error.code.rawValue)))
        headers.append(HTTP2Header(name: "grpc-message", value: GRPCMessageCoding.encode(error.message)))
        try? h2.submitHeaders(stream: id, headers: headers, endStream: true)
        requestFlush()
    }

    func rejectHTTP(_ id: HTTP2StreamID, status: String, _ error: RPCError) {
        let headers = [HTTP2Header(name: ":status", value: status),
                       HTTP2Header(name: "content-type", value: "application/grpc"),
                       HTTP2Header(name: "grpc-status", value: String(error.code.rawValue)),
                       HTTP2Header(name: "grpc-message", value: GRPCMessageCoding.encode(error.message))]
        try? h2.submitHeaders(stream: id, headers: headers, endStream: true)
        requestFlush()
    }
}
