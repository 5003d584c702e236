#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop
import HTTP2
import TLS

/// The client's connection: socket → TLS → HTTP/2. Confined to its loop's thread.
final class ClientConnection: EventLoopHandler, @unchecked Sendable {
    private final class StreamState {
        let call: ClientCall
        var deframer: MessageDeframer
        var sawHeaders = false
        var compressed = false
        /// Request progress: its callback, bytes submitted, bytes last reported as framed.
        var progress: (@Sendable (Int, Int) -> Void)?
        var submitted = 0
        var reported = 0
        init(call: ClientCall, maxMessageSize: Int) {
            self.call = call
            self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
        }
    }

    let loop: EventLoop
    let configuration: ClientConfiguration
    private var fd: Int32 = -1
    private var tls: TLSSession?
    private var h2: HTTP2Session?
    private var connecting = true
    private var pending: [() -> Void] = []   // calls waiting for the handshake
    private var streams: [HTTP2StreamID: StreamState] = [:]
    private var outCipher: [UInt8] = []
    private var outOffset = 0
    private var wantsWritable = false
    private(set) var failure: RPCError?

    init(loop: EventLoop, configuration: ClientConfiguration) {
        self.loop = loop
        self.configuration = configuration
    }

    /// Loop thread: connect once; later callers queue behind the handshake.
    func connect() {
        guard fd < 0, failure == nil else { return }
        do {
            fd = try Socket.connect(host: configuration.host, port: configuration.port)
            tls = try TLSSession(configuration: configuration.tls, serverName: configuration.serverName ?? configuration.host)
            try loop.register(fd: fd, events: CEventLoop_EPOLLIN | CEventLoop_EPOLLOUT | CEventLoop_EPOLLRDHUP, handler: self)
            wantsWritable = true
        } catch {
            fail(RPCError(.unavailable, "cannot connect to \(configuration.host):\(configuration.port): \(error)"))
        }
    }

    func whenReady(_ body: @escaping () -> Void) {
        // Once connected or failed, the call runs now (a failed one finishes with the failure).
        if failure != nil || h2 != nil { body() } else { pending.append(body); connect() }
    }

    func handleEvents(_ events: UInt32) {
        if connecting && events & (CEventLoop_EPOLLOUT | CEventLoop_EPOLLERR | CEventLoop_EPOLLHUP) != 0 {
            let err = Socket.pendingError(fd)
            if err != 0 {
                return fail(RPCError(.unavailable, "cannot connect to \(configuration.host):\(configuration.port): \(String(cString: strerror(err)))"))
            }
            connecting = false
            _ = try? tls?.handshake()
            flush()
        }
        if events & (CEventLoop_EPOLLIN | CEventLoop_EPOLLHUP | CEventLoop_EPOLLERR | CEventLoop_EPOLLRDHUP) != 0 {
            readAvailable()
        }
        if failure == nil && events & CEventLoop_EPOLLOUT != 0 { flush() }
    }

    private func readAvailable() {
        guard let tls else { return }
        let buffer = loop.readBuffer
        while failure == nil {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                tls.feedCiphertext(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                process()
                if n < buffer.count { break }
            } else if n == 0 {
                return fail(RPCError(.unavailable, "server closed the connection"))
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                return fail(RPCError(.unavailable, "read: \(String(cString: strerror(errno)))"))
            }
        }
        flush()
    }

    private func process() {
        guard let tls else { return }
        if h2 == nil {
            do {
                guard try tls.handshake() else { return }
                guard tls.negotiatedALPN == "h2" else { return fail(RPCError(.unavailable, "server did not negotiate HTTP/2 (ALPN h2)")) }
                h2 = try HTTP2Session(role: .client, settings: configuration.http2)
            } catch {
                return fail(RPCError(.unavailable, "TLS handshake with \(configuration.host):\(configuration.port) failed: \(error)"))
            }
            let waiting = pending
            pending = []
            for body in waiting { body() }
        }
        guard let h2 else { return }
        var plain = [UInt8]()
        while failure == nil {
            plain.removeAll(keepingCapacity: true)
            let result: TLSReadResult
            do { result = try tls.readPlaintext(into: &plain) } catch {
                return fail(RPCError(.unavailable, "TLS error: \(error)"))
            }
            if !plain.isEmpty {
                do { try plain.withUnsafeBytes { try h2.receive($0) } } catch {
                    handle(h2.takeEvents())
                    return fail(RPCError(.unavailable, "HTTP/2 protocol error: \(error)"))
                }
                handle(h2.takeEvents())
            }
            switch result {
            case .bytes: continue
            case .wantMore: return
            case .closed: return fail(RPCError(.unavailable, "server closed the TLS session"))
            }
        }
    }

    func flush() {
        guard failure == nil, let tls, !connecting else { return }
        if let h2 {
            var plain = [UInt8]()
            do {
                try h2.send(into: &plain)
                if !plain.isEmpty { try plain.withUnsafeBytes { try tls.writePlaintext($0) } }
            } catch {
                return fail(RPCError(.unavailable, "send: \(error)"))
            }
            reportProgress(h2)
            handle(h2.takeEvents())
        }
        tls.drainCiphertext(into: &outCipher)
        while outOffset < outCipher.count {
            let n = outCipher.withUnsafeBytes { write(fd, $0.baseAddress! + outOffset, $0.count - outOffset) }
            if n > 0 { outOffset += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            return fail(RPCError(.unavailable, "write: \(String(cString: strerror(errno)))"))
        }
        if outOffset == outCipher.count { outCipher.removeAll(keepingCapacity: true); outOffset = 0 }
        let want = outOffset < outCipher.count
        if want != wantsWritable {
            wantsWritable = want
            loop.modify(fd: fd, events: CEventLoop_EPOLLIN | CEventLoop_EPOLLRDHUP | (want ? CEventLoop_EPOLLOUT : 0))
        }
    }

    /// Tells calls that asked (`CallOptions.requestProgress`) how much of their request is framed.
    private func reportProgress(_ h2: HTTP2Session) {
        for (id, st) in streams {
            guard let progress = st.progress else { continue }
            let framed = st.submitted - h2.queuedOutboundBytes(stream: id)
            guard framed != st.reported else { continue }
            st.reported = framed
            progress(framed, st.submitted)
            if framed == st.submitted { st.progress = nil }
        }
    }

    private func handle(_ events: [HTTP2Event]) {
        for event in events {
            switch event {
            case .headers(let id, let headers, let endStream):
                guard let st = streams[id] else { continue }
                if !st.sawHeaders && !endStream {
                    st.sawHeaders = true
                    let status = headers.first { $0.name == ":status" }?.value ?? ""
                    if status != "200" {
                        finish(id, RPCError(httpStatusCode(status), "unexpected HTTP status \(status)"))
                        continue
                    }
                    st.compressed = headers.contains { $0.name == "grpc-encoding" && $0.value == "gzip" }
                    st.call.receivedHeaders(Metadata(headers: headers))
                } else {
                    if !st.sawHeaders { st.call.receivedHeaders(Metadata(headers: headers)) }
                    finish(id, status(from: headers))
                }
            case .data(let id, let bytes, _):
                guard let st = streams[id] else { continue }
                st.deframer.append(bytes)
                do {
                    while let m = try st.deframer.next() {
                        var payload = m.bytes
                        if m.compressed {
                            payload = try Gzip.decompress(payload, limit: configuration.maxReceiveMessageSize)
                        }
                        st.call.continuation.yield(payload)
                    }
                } catch {
                    finish(id, RPCError(.resourceExhausted, "bad response message: \(error)"))
                    try? h2?.resetStream(id, errorCode: 8)
                }
            case .streamClosed(let id, let code):
                if streams[id] != nil {
                    finish(id, RPCError(code == 0 ? .internal : .unavailable,
                                        "stream closed without a status (HTTP/2 error code \(code))"))
                }
            case .headerListTooLarge(let id, let size, let limit):
                if streams[id] != nil {
                    finish(id, RPCError(.resourceExhausted, "response header list of \(size) bytes is over this client's limit of \(limit)"))
                    try? h2?.resetStream(id, errorCode: 8)
                }
            case .goAway, .outboundDrained:
                continue
            }
        }
    }

    private func status(from headers: [HTTP2Header]) -> RPCError {
        let code = headers.first { $0.name == "grpc-status" }.flatMap { Int($0.value) }.flatMap(RPCStatusCode.init(rawValue:))
        let message = headers.first { $0.name == "grpc-message" }.map { GRPCMessageCoding.decode($0.value) } ?? ""
        guard let code else {
            let http = headers.first { $0.name == ":status" }?.value ?? "200"
            return RPCError(http == "200" ? .unknown : httpStatusCode(http), "response ended without grpc-status (HTTP \(http))")
        }
        return RPCError(code, message, trailingMetadata: Metadata(headers: headers))
    }

    private func httpStatusCode(_ status: String) -> RPCStatusCode {
        switch status {
        case "400": .internal
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
    }

    private func finish(_ id: HTTP2StreamID, _ status: RPCError) {
        guard let st = streams.removeValue(forKey: id) else { return }
        st.call.finished(status)
    }

    // MARK: starting and feeding calls (loop thread)

    func start(call: ClientCall, path: String, metadata: Metadata, timeout: Duration?, compress: Bool,
               progress: (@Sendable (Int, Int) -> Void)? = nil) -> HTTP2StreamID? {
        guard let h2 else {
            call.finished(failure ?? RPCError(.unavailable, "not connected"))
            return nil
        }
        var headers = [HTTP2Header(name: ":method", value: "POST"),
                       HTTP2Header(name: ":scheme", value: "https"),
                       HTTP2Header(name: ":path", value: path),
                       HTTP2Header(name: ":authority", value: configuration.serverName ?? configuration.host),
                       HTTP2Header(name: "content-type", value: "application/grpc"),
                       HTTP2Header(name: "te", value: "trailers"),
                       HTTP2Header(name: "user-agent", value: "jobletd-rpc/1.0"),
                       HTTP2Header(name: "grpc-accept-encoding", value: MessageEncoding.acceptHeaderValue)]
        if compress { headers.append(HTTP2Header(name: "grpc-encoding", value: "gzip")) }
        if let timeout { headers.append(HTTP2Header(name: "grpc-timeout", value: GRPCTimeout.encode(timeout))) }
        metadata.appendHeaders(to: &headers)
        do {
            let id = try h2.submitRequest(headers: headers, endStream: false)
            let st = StreamState(call: call, maxMessageSize: configuration.maxReceiveMessageSize)
            st.progress = progress
            streams[id] = st
            flush()
            return id
        } catch {
            call.finished(RPCError(.internal, "cannot start call: \(error)"))
            return nil
        }
    }

    func send(stream id: HTTP2StreamID, framed: [UInt8], end: Bool) {
        guard let h2, let st = streams[id] else { return }
        try? h2.submitData(stream: id, bytes: framed, endStream: end)
        st.submitted += framed.count
        flush()
    }

    func cancel(stream id: HTTP2StreamID, status: RPCError) {
        guard streams[id] != nil else { return }
        try? h2?.resetStream(id, errorCode: 8)  // CANCEL
        finish(id, status)
        flush()
    }

    private func fail(_ error: RPCError) {
        guard failure == nil else { return }
        failure = error
        for (_, st) in streams { st.call.finished(error) }
        streams.removeAll()
        let waiting = pending
        pending = []
        for body in waiting { body() }
        if fd >= 0 {
            loop.deregister(fd: fd)
            Glibc.close(fd)
        }
    }

    func close() {
        if let h2 { try? h2.submitGoAway(errorCode: 0); flush() }
        fail(RPCError(.unavailable, "channel closed"))
    }
}
