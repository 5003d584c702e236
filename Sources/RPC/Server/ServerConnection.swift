#if canImport(Glibc)
import Glibc
#endif
import CEventLoop
import HTTP2
import TLS
import Logging

/// One client connection: socket → TLS → HTTP/2 → gRPC calls. Confined to its event loop's
/// thread; handlers reach it only through `loop.execute`, hence `@unchecked Sendable`.
final class ServerConnection: EventLoopHandler, @unchecked Sendable {
    let fd: Int32
    let loop: EventLoop
    let server: ServerCore
    let remoteAddress: String
    let acceptedAt = ContinuousClock.now
    private let tls: TLSSession
    private var h2: HTTP2Session?
    private var streams: [HTTP2StreamID: ServerStreamState] = [:]
    private var drainWatch: Set<HTTP2StreamID> = []
    /// Streams to reset once their status has been serialized (a reset submitted earlier
    /// would overtake the trailers in nghttp2's queue).
    private var pendingResets: [HTTP2StreamID] = []
    private var outCipher: [UInt8] = []
    private var outOffset = 0
    private var wantsWritable = false
    private(set) var closed = false
    private var closeAfterFlush = false

    static let maxBufferedCiphertext = 1 << 20

    init(fd: Int32, loop: EventLoop, server: ServerCore, remoteAddress: String) throws {
        self.fd = fd
        self.loop = loop
        self.server = server
        self.remoteAddress = remoteAddress
        self.tls = try TLSSession(configuration: server.configuration.tls)
    }

    var isHandshaking: Bool { !closed && h2 == nil }

    // MARK: epoll

    func handleEvents(_ events: UInt32) {
        if events & (CEventLoop_EPOLLIN | CEventLoop_EPOLLHUP | CEventLoop_EPOLLERR | CEventLoop_EPOLLRDHUP) != 0 {
            readAvailable()
        }
        if !closed && events & CEventLoop_EPOLLOUT != 0 {
            flush()
        }
    }

    private func readAvailable() {
        let buffer = loop.readBuffer
        for _ in 0..<16 {  // bounded, so one busy connection cannot starve the others
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                tls.feedCiphertext(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                processCiphertext()
                if closed || closeAfterFlush { break }
                if n < buffer.count { break }
            } else if n == 0 {
                close(reason: "peer closed the connection")
                return
            } else {
                let err = errno
                if err == EINTR { continue }
                if err == EAGAIN || err == EWOULDBLOCK { break }
                close(reason: "read: \(String(cString: strerror(err)))")
                return
            }
        }
        scheduleFlush()
    }

    private func processCiphertext() {
        if h2 == nil {
            do {
                guard try tls.handshake() else { return }
            } catch {
                server.logger.info("TLS handshake failed", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
                closeAfterFlush = true
                return
            }
            guard tls.negotiatedALPN == "h2" else {
                server.logger.info("client did not negotiate ALPN h2", metadata: ["peer": "\(remoteAddress)"])
                closeAfterFlush = true
                return
            }
            do {
                h2 = try HTTP2Session(role: .server, settings: server.configuration.http2)
            } catch {
                server.logger.error("cannot create HTTP/2 session: \(error)")
                close(reason: "HTTP/2 session")
                return
            }
        }
        guard let h2 else { return }
        var plain = loop.plaintextScratch
        defer { loop.plaintextScratch = plain }
        while !closed {
            plain.removeAll(keepingCapacity: true)
            let result: TLSReadResult
            do {
                result = try tls.readPlaintext(into: &plain)
            } catch {
                server.logger.info("TLS error", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
                closeAfterFlush = true
                return
            }
            if !plain.isEmpty {
                do {
                    try plain.withUnsafeBytes { try h2.receive($0) }
                } catch {
                    server.logger.info("HTTP/2 protocol error", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
                    handle(h2.takeEvents())
                    closeAfterFlush = true
                    return
                }
                handle(h2.takeEvents())
            }
            switch result {
            case .bytes: continue
            case .wantMore: return
            case .closed:
                closeAfterFlush = true
                return
            }
        }
    }

    // MARK: flushing

    func scheduleFlush() {
        loop.markDirty(self) { [self] in flush() }
    }

    /// Moves what HTTP/2 wants to send through TLS onto the socket; stops pulling from the
    /// session while the socket is backed up, so unsent bytes stay counted per stream.
    func flush() {
        guard !closed else { return }
        if let h2, outCipher.count - outOffset < ServerConnection.maxBufferedCiphertext {
            var plain = loop.plaintextScratch
            plain.removeAll(keepingCapacity: true)
            do {
                try h2.send(into: &plain)
                if !plain.isEmpty { try plain.withUnsafeBytes { try tls.writePlaintext($0) } }
            } catch {
                loop.plaintextScratch = plain
                close(reason: "send: \(error)")
                return
            }
            loop.plaintextScratch = plain
            handle(h2.takeEvents())
            if !pendingResets.isEmpty {
                for id in pendingResets { try? h2.resetStream(id, errorCode: 0) }
                pendingResets.removeAll()
                scheduleFlush()
            }
        }
        tls.drainCiphertext(into: &outCipher)
        writeSocket()
        if closed { return }
        updateDrainWatchers()
        if outOffset == outCipher.count {
            if closeAfterFlush { close(reason: "closing after error"); return }
            if let h2, !h2.wantsRead && !h2.wantsWrite { close(reason: "HTTP/2 session finished"); return }
        }
    }

    private func writeSocket() {
        while outOffset < outCipher.count {
            let n = outCipher.withUnsafeBytes { buf in
                write(fd, buf.baseAddress! + outOffset, buf.count - outOffset)
            }
            if n > 0 {
                outOffset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                close(reason: "write: \(String(cString: strerror(errno)))")
                return
            }
        }
        if outOffset == outCipher.count {
            if outCipher.capacity > 256 * 1024 { outCipher = [] } else { outCipher.removeAll(keepingCapacity: true) }
            outOffset = 0
            setWritableInterest(false)
        } else {
            if outOffset > 64 * 1024 {
                outCipher.removeSubrange(0..<outOffset)
                outOffset = 0
            }
            setWritableInterest(true)
        }
    }

    private func setWritableInterest(_ on: Bool) {
        guard on != wantsWritable else { return }
        wantsWritable = on
        let base = CEventLoop_EPOLLIN | CEventLoop_EPOLLRDHUP
        loop.modify(fd: fd, events: on ? base | CEventLoop_EPOLLOUT : base)
    }

    private func updateDrainWatchers() {
        guard let h2, !drainWatch.isEmpty else { return }
        for id in drainWatch {
            guard let st = streams[id], !st.finished else { drainWatch.remove(id); continue }
            let framed = st.submitted - h2.queuedOutboundBytes(stream: id)
            if !st.writer.reportFramed(framed) { drainWatch.remove(id) }
        }
    }

    // MARK: HTTP/2 events

    private func handle(_ events: [HTTP2Event]) {
        for event in events {
            switch event {
            case .headers(let id, let headers, let endStream):
                if let st = streams[id] {
                    if endStream { endOfRequest(st) }
                } else {
                    startCall(id, headers, endStream: endStream)
                }
            case .data(let id, let bytes, let endStream):
                guard let st = streams[id], !st.finished, !st.requestEnded else { continue }
                receive(st, bytes)
                if endStream && !st.finished { endOfRequest(st) }
            case .streamClosed(let id, let code):
                if let st = streams.removeValue(forKey: id), !st.finished {
                    cancel(st, RPCError(.cancelled, code == 0 ? "stream closed" : "client cancelled the call (RST_STREAM \(code))"))
                }
                drainWatch.remove(id)
            case .goAway, .outboundDrained:
                continue
            }
        }
    }

    private func startCall(_ id: HTTP2StreamID, _ headers: [HTTP2Header], endStream: Bool) {
        var method = "", path = "", contentType = "", timeout: String?, encoding: String?, accept = ""
        for h in headers {
            switch h.name {
            case ":method": method = h.value
            case ":path": path = h.value
            case "content-type": contentType = h.value
            case "grpc-timeout": timeout = h.value
            case "grpc-encoding": encoding = h.value
            case "grpc-accept-encoding": accept = h.value
            default: break
            }
        }
        guard method == "POST" else {
            return rejectHTTP(id, status: "405", RPCError(.internal, "HTTP method \(method) is not allowed: gRPC requires POST"))
        }
        guard contentType == "application/grpc" || contentType.hasPrefix("application/grpc+")
                || contentType.hasPrefix("application/grpc;") else {
            return rejectHTTP(id, status: "415", RPCError(.internal, "unsupported content-type '\(contentType)': gRPC requires application/grpc"))
        }
        guard let registered = server.router.methods[path] else {
            return trailersOnly(id, server.router.unknownPathError(path))
        }
        let requestEncoding: MessageEncoding
        switch encoding ?? "identity" {
        case "identity": requestEncoding = .identity
        case "gzip": requestEncoding = .gzip
        case let other:
            return trailersOnly(id, RPCError(.unimplemented, "grpc-encoding '\(other)' is not supported (supported: identity, gzip)"))
        }
        var deadline: ContinuousClock.Instant?
        if let timeout {
            guard let d = GRPCTimeout.parse(timeout) else {
                return trailersOnly(id, RPCError(.internal, "malformed grpc-timeout '\(timeout)'"))
            }
            deadline = .now + d
        }
        let context = ServerContext(
            method: registered.descriptor, peer: tls.peerIdentity, remoteAddress: remoteAddress,
            requestMetadata: Metadata(headers: headers), deadline: deadline, requestEncoding: requestEncoding,
            clientAcceptsGzip: accept.split(separator: ",").contains { $0.filter { $0 != " " } == "gzip" })
        let writer = ResponseWriter(loop: loop, connection: self, stream: id, context: context,
                                    defersSingleResponse: !registered.descriptor.serverStreaming)
        let st = ServerStreamState(id: id, method: registered, context: context, writer: writer,
                                   maxMessageSize: server.configuration.maxReceiveMessageSize)
        streams[id] = st
        if let deadline {
            let loop = self.loop
            st.deadlineTask = Task { [self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                if Task.isCancelled { return }
                loop.execute { self.deadlineExceeded(id) }
            }
        }
        if st.clientStreams {
            let (stream, continuation) = AsyncThrowingStream<[UInt8], Error>.makeStream()
            st.stream = stream
            st.continuation = continuation
            startHandler(st)
        }
        if endStream { endOfRequest(st) }
    }

    private func receive(_ st: ServerStreamState, _ bytes: [UInt8]) {
        st.deframer.append(bytes)
        while !st.finished {
            let message: MessageDeframer.Message
            do {
                guard let m = try st.deframer.next() else { return }
                message = m
            } catch .messageTooLarge(let length, let limit) {
                return fail(st, RPCError(.resourceExhausted, "received message larger than max (\(length) vs. \(limit))"))
            } catch {
                return fail(st, RPCError(.internal, "invalid gRPC message prefix: compressed flag must be 0 or 1"))
            }
            var payload = message.bytes
            if message.compressed {
                guard st.context.requestEncoding == .gzip else {
                    return fail(st, RPCError(.internal, "compressed message received but grpc-encoding is identity"))
                }
                do {
                    payload = try Gzip.decompress(payload, limit: server.configuration.maxReceiveMessageSize)
                } catch GzipError.tooLarge {
                    return fail(st, RPCError(.resourceExhausted, "decompressed message larger than max (\(server.configuration.maxReceiveMessageSize))"))
                } catch {
                    return fail(st, RPCError(.internal, "cannot decompress gzip message: \(error)"))
                }
            }
            st.context.noteRequestCompressed(message.compressed)
            if st.clientStreams {
                st.continuation?.yield(payload)
            } else if st.single != nil {
                return fail(st, RPCError(.unimplemented, "\(st.method.descriptor.path) takes one request message, received more"))
            } else {
                st.single = payload
            }
        }
    }

    private func endOfRequest(_ st: ServerStreamState) {
        guard !st.requestEnded else { return }
        st.requestEnded = true
        if st.deframer.hasPartialMessage {
            return fail(st, RPCError(.internal, "request stream ended in the middle of a message"))
        }
        if st.clientStreams {
            st.continuation?.finish()
        } else if !st.finished {
            guard st.single != nil else {
                return fail(st, RPCError(.unimplemented, "\(st.method.descriptor.path) takes one request message, received none"))
            }
            startHandler(st)
        }
    }

    private func startHandler(_ st: ServerStreamState) {
        let call = ServerCall(context: st.context, writer: st.writer, single: st.single, stream: st.stream)
        st.single = nil
        let run = st.method.run
        let server = self.server
        st.task = Task {
            var failure: RPCError?
            do {
                for interceptor in server.interceptors { try await interceptor.intercept(call.context) }
                try await run(call)
            } catch let error as RPCError {
                failure = error
            } catch is CancellationError {
                failure = RPCError(.cancelled, "call cancelled")
            } catch {
                failure = server.internalError(error, method: call.context.method.path)
            }
            call.writer.finish(failure)
        }
    }

    // MARK: output (called through loop.execute by ResponseWriter)

    private func responseHeaders(_ metadata: Metadata, compressed: Bool) -> [HTTP2Header] {
        var headers = [HTTP2Header(name: ":status", value: "200"),
                       HTTP2Header(name: "content-type", value: "application/grpc")]
        if compressed { headers.append(HTTP2Header(name: "grpc-encoding", value: "gzip")) }
        headers.append(HTTP2Header(name: "grpc-accept-encoding", value: MessageEncoding.acceptHeaderValue))
        metadata.appendHeaders(to: &headers)
        return headers
    }

    func sendMessage(stream id: HTTP2StreamID, framed: [UInt8], initialMetadata: Metadata?, compressed: Bool) {
        guard let h2, let st = streams[id], !st.finished else { return }
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
        scheduleFlush()
    }

    func finishStream(stream id: HTTP2StreamID, initialMetadata: Metadata?, deferred: [UInt8]?, compressed: Bool,
                      status: RPCStatusCode, message: String, trailingMetadata: Metadata) {
        guard let h2, let st = streams[id], !st.finished else { return }
        st.finished = true
        st.deadlineTask?.cancel()
        var trailers = [HTTP2Header(name: "grpc-status", value: String(status.rawValue))]
        if !message.isEmpty { trailers.append(HTTP2Header(name: "grpc-message", value: GRPCMessageCoding.encode(message))) }
        trailingMetadata.appendHeaders(to: &trailers)
        do {
            if !st.headersSent && deferred == nil {
                // Trailers-Only: one HEADERS frame carries the status.
                st.headersSent = true
                var headers = responseHeaders(initialMetadata ?? Metadata(), compressed: false)
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
            server.logger.debug("cannot finish stream \(id): \(error)")
        }
        scheduleFlush()
    }

    func watchDrain(stream id: HTTP2StreamID) {
        guard streams[id] != nil else { return }
        drainWatch.insert(id)
        scheduleFlush()
    }

    // MARK: ending calls

    /// A protocol-level error found by the transport: answer with the status, stop the handler.
    private func fail(_ st: ServerStreamState, _ error: RPCError) {
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

    private func cancel(_ st: ServerStreamState, _ error: RPCError) {
        st.finished = true
        st.context.cancellation.store(true, ordering: .relaxed)
        st.writer.cancel(error)
        st.continuation?.finish(throwing: error)
        st.continuation = nil
        st.task?.cancel()
        st.deadlineTask?.cancel()
    }

    private func deadlineExceeded(_ id: HTTP2StreamID) {
        guard let st = streams[id], !st.finished else { return }
        fail(st, RPCError(.deadlineExceeded, "deadline exceeded"))
    }

    private func trailersOnly(_ id: HTTP2StreamID, _ error: RPCError) {
        guard let h2 else { return }
        var headers = responseHeaders(Metadata(), compressed: false)
        headers.append(HTTP2Header(name: "grpc-status", value: String(error.code.rawValue)))
        headers.append(HTTP2Header(name: "grpc-message", value: GRPCMessageCoding.encode(error.message)))
        try? h2.submitHeaders(stream: id, headers: headers, endStream: true)
        scheduleFlush()
    }

    private func rejectHTTP(_ id: HTTP2StreamID, status: String, _ error: RPCError) {
        guard let h2 else { return }
        let headers = [HTTP2Header(name: ":status", value: status),
                       HTTP2Header(name: "content-type", value: "application/grpc"),
                       HTTP2Header(name: "grpc-status", value: String(error.code.rawValue)),
                       HTTP2Header(name: "grpc-message", value: GRPCMessageCoding.encode(error.message))]
        try? h2.submitHeaders(stream: id, headers: headers, endStream: true)
        scheduleFlush()
    }

    /// Graceful shutdown: GOAWAY, let running calls finish; the session closes when idle.
    func beginShutdown() {
        guard !closed else { return }
        guard let h2 else { return close(reason: "server shutting down") }
        try? h2.submitGoAway(errorCode: 0)
        scheduleFlush()
    }

    func close(reason: String) {
        guard !closed else { return }
        closed = true
        for st in streams.values where !st.finished {
            cancel(st, RPCError(.unavailable, "connection closed: \(reason)"))
        }
        streams.removeAll()
        drainWatch.removeAll()
        loop.deregister(fd: fd)
        Glibc.close(fd)
        server.connectionClosed(self)
    }
}
