#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop
import HTTP1
import TLS

/// One request's connection: socket (→ TLS) → HTTP/1.1 parser. Confined to its loop's thread
/// from `start` on; `onClose` runs once when it is finished with.
final class HTTP1ClientConnection: EventLoopHandler, @unchecked Sendable {
    private enum Phase { case idle, connecting, open, closed }

    let loop: EventLoop
    private let endpoint: HTTP1Endpoint
    private let request: [UInt8]
    private let tlsConfiguration: TLSConfiguration?
    private let configuration: HTTP1Client.Configuration
    private let deadline: ContinuousClock.Instant
    var onClose: (@Sendable () -> Void)?

    private var phase = Phase.idle
    private var addresses: [(family: Int32, storage: sockaddr_storage, length: socklen_t)] = []
    private var nextAddress = 0
    private var connectErrors: [String] = []
    private var fd: Int32 = -1
    private var tls: TLSSession?
    private var parser: HTTP1ResponseParser
    private var out: [UInt8] = []
    private var outOffset = 0
    private var requestQueued = false
    private var registered = false
    private var readingPaused = false
    private var deadlineTimer: UInt64?
    private var connectTimer: UInt64?
    private var headWaiter: CheckedContinuation<HTTP1Response, any Error>?
    /// Weak: the reader owns the body, and a body it drops closes the connection (HTTP1Body.deinit).
    private weak var body: HTTP1Body?
    private var events: [HTTP1ParseEvent] = []

    init(loop: EventLoop, endpoint: HTTP1Endpoint, method: String, request: [UInt8], tls: TLSConfiguration?,
         configuration: HTTP1Client.Configuration, deadline: ContinuousClock.Instant) {
        self.loop = loop
        self.endpoint = endpoint
        self.request = request
        self.tlsConfiguration = tls
        self.configuration = configuration
        self.deadline = deadline
        self.parser = HTTP1ResponseParser(requestMethod: method, maxHeadBytes: configuration.maxHeadBytes)
    }

    /// Connected and past the TLS handshake: from here on, the server may have the request.
    private var requestMayHaveBeenSent: Bool { requestQueued && (tls?.isHandshakeComplete ?? true) }

    // MARK: loop thread

    func start(_ continuation: CheckedContinuation<HTTP1Response, any Error>) {
        guard phase == .idle else {
            // Cancelled before it started.
            continuation.resume(throwing: CancellationError())
            return
        }
        headWaiter = continuation
        deadlineTimer = loop.scheduleTimer(at: deadline) { [self] in
            deadlineTimer = nil
            fail(HTTP1ClientError(.timedOut, sent: requestMayHaveBeenSent, "no complete answer from \(endpoint) within the request's deadline"))
        }
        do {
            addresses = try Socket.resolve(host: endpoint.host, port: endpoint.port, passive: false)
        } catch {
            return fail(HTTP1ClientError(.connect, sent: false, "cannot resolve \(endpoint.host): \(error)"))
        }
        phase = .connecting
        connectNext()
    }

    /// Tries the next resolved address; fails the request when none is left.
    private func connectNext() {
        closeSocket()
        while nextAddress < addresses.count {
            let address = addresses[nextAddress]
            nextAddress += 1
            let s = Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if s < 0 { connectErrors.append("socket: \(String(cString: strerror(errno)))"); continue }
            var storage = address.storage
            let rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, address.length) }
            }
            if rc != 0 && errno != EINPROGRESS {
                connectErrors.append("\(Socket.describe(address.storage)): \(String(cString: strerror(errno)))")
                Glibc.close(s)
                continue
            }
            var one: Int32 = 1
            setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            do {
                try loop.register(fd: s, events: CEventLoop_EPOLLOUT | CEventLoop_EPOLLIN | CEventLoop_EPOLLRDHUP, handler: self)
            } catch {
                Glibc.close(s)
                connectErrors.append("\(error)")
                continue
            }
            fd = s
            registered = true
            let target = Socket.describe(address.storage)
            connectTimer = loop.scheduleTimer(at: .now + configuration.connectTimeout) { [self] in
                connectTimer = nil
                guard phase == .connecting else { return }
                connectErrors.append("\(target): no answer within \(configuration.connectTimeout)")
                connectNext()
            }
            return
        }
        let why = connectErrors.isEmpty ? "no address" : connectErrors.joined(separator: "; ")
        fail(HTTP1ClientError(.connect, sent: false, "cannot connect to \(endpoint): \(why)"))
    }

    func handleEvents(_ events: UInt32) {
        if phase == .connecting {
            guard events & (CEventLoop_EPOLLOUT | CEventLoop_EPOLLERR | CEventLoop_EPOLLHUP) != 0 else { return }
            let err = Socket.pendingError(fd)
            if err != 0 {
                connectErrors.append("\(Socket.describe(addresses[nextAddress - 1].storage)): \(String(cString: strerror(err)))")
                return connectNext()
            }
            if let connectTimer { loop.cancelTimer(connectTimer) }
            connectTimer = nil
            phase = .open
            if let tlsConfiguration {
                do {
                    let session = try TLSSession(configuration: tlsConfiguration, serverName: endpoint.host)
                    tls = session
                    _ = try session.handshake()
                } catch {
                    return fail(HTTP1ClientError(.tls, sent: false, "TLS with \(endpoint) failed: \(error)"))
                }
            }
            queueRequest()
            flush()
        }
        guard phase == .open else { return }
        if events & (CEventLoop_EPOLLIN | CEventLoop_EPOLLHUP | CEventLoop_EPOLLERR | CEventLoop_EPOLLRDHUP) != 0 && !readingPaused {
            readAvailable()
        }
        if phase == .open && events & CEventLoop_EPOLLOUT != 0 { flush() }
    }

    private func queueRequest() {
        guard !requestQueued else { return }
        requestQueued = true
        if let tls {
            do {
                try request.withUnsafeBytes { try tls.writePlaintext($0) }  // held until the handshake is done
            } catch {
                return fail(HTTP1ClientError(.tls, sent: false, "TLS with \(endpoint) failed: \(error)"))
            }
        } else {
            out = request
            outOffset = 0
        }
    }

    private func flush() {
        guard phase == .open else { return }
        if let tls { tls.drainCiphertext(into: &out) }
        while outOffset < out.count {
            let n = out.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + outOffset, $0.count - outOffset) }
            if n > 0 { outOffset += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            return fail(HTTP1ClientError(.connection, sent: requestMayHaveBeenSent,
                                         "writing to \(endpoint) failed: \(String(cString: strerror(errno)))"))
        }
        if outOffset == out.count { out.removeAll(keepingCapacity: true); outOffset = 0 }
        updateInterest()
    }

    /// While the reader is behind and nothing is to be written, the socket leaves epoll
    /// altogether: the loop is level-triggered, and a hang-up (reported whatever the mask) would
    /// otherwise wake it again and again. What the peer sent meanwhile waits in the socket.
    private func updateInterest() {
        guard fd >= 0 else { return }
        let wantOut = outOffset < out.count
        if readingPaused && !wantOut {
            if registered {
                loop.deregister(fd: fd)
                registered = false
            }
            return
        }
        let events = CEventLoop_EPOLLRDHUP | (readingPaused ? 0 : CEventLoop_EPOLLIN) | (wantOut ? CEventLoop_EPOLLOUT : 0)
        if registered {
            loop.modify(fd: fd, events: events)
        } else {
            do {
                try loop.register(fd: fd, events: events, handler: self)
                registered = true
            } catch {
                fail(HTTP1ClientError(.connection, sent: true, "cannot watch the connection to \(endpoint): \(error)"))
            }
        }
    }

    private func readAvailable() {
        let buffer = loop.readBuffer
        while phase == .open && !readingPaused {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                if let tls {
                    tls.feedCiphertext(bytes)
                    var plain: [UInt8] = []
                    while phase == .open {
                        plain.removeAll(keepingCapacity: true)
                        let result: TLSReadResult
                        do { result = try tls.readPlaintext(into: &plain) } catch {
                            let sent = requestMayHaveBeenSent
                            flush()  // the alert, if any
                            return fail(HTTP1ClientError(tls.isHandshakeComplete ? .connection : .tls, sent: sent,
                                                         "TLS with \(endpoint) failed: \(error)"))
                        }
                        if !plain.isEmpty { plain.withUnsafeBytes { parse($0) } }
                        if case .bytes = result { continue }
                        if case .closed = result { return endOfStream() }
                        break
                    }
                    flush()  // handshake messages, then the request once it is done
                } else {
                    parse(bytes)
                }
                if n < buffer.count { return }
            } else if n == 0 {
                return endOfStream()
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                return fail(HTTP1ClientError(.connection, sent: requestMayHaveBeenSent,
                                             "reading from \(endpoint) failed: \(String(cString: strerror(errno)))"))
            }
        }
    }

    private func parse(_ bytes: UnsafeRawBufferPointer) {
        guard phase == .open else { return }
        events.removeAll(keepingCapacity: true)
        do {
            try parser.feed(bytes, into: &events)
        } catch {
            deliver()
            return fail(HTTP1ClientError(.protocolViolation, sent: true, "bad response from \(endpoint): \(error)"))
        }
        deliver()
    }

    private func endOfStream() {
        guard phase == .open else { return }
        events.removeAll(keepingCapacity: true)
        do {
            try parser.finish(into: &events)
        } catch {
            deliver()
            let sent = requestMayHaveBeenSent
            return fail(HTTP1ClientError(.connection, sent: sent, "\(endpoint): \(error)"))
        }
        deliver()
    }

    private func deliver() {
        for event in events {
            switch event {
            case .head(let head):
                let body = HTTP1Body(
                    resumeReading: { [self] in loop.execute { self.resumeReading() } },
                    abandon: { [self] in loop.execute { self.fail(CancellationError()) } })
                self.body = body
                let waiter = headWaiter
                headWaiter = nil
                waiter?.resume(returning: HTTP1Response(head: head, body: body))
            case .body(let bytes):
                guard let body else { return fail(CancellationError()) }
                if !body.push(bytes) {
                    readingPaused = true
                    updateInterest()
                }
            case .end:
                body?.finish(nil)
                body = nil
                close()
                return
            }
        }
    }

    private func resumeReading() {
        guard phase == .open, readingPaused else { return }
        readingPaused = false
        updateInterest()
        readAvailable()
    }

    /// Task cancelled before the head arrived.
    func cancel() {
        if phase == .idle {
            phase = .closed  // `start` sees it and refuses
            onClose?()
            onClose = nil
            return
        }
        fail(CancellationError())
    }

    /// Ends the request with `error` (whoever waits, for the head or the body, gets it) and closes.
    func fail(_ error: any Error) {
        guard phase != .closed else { return }
        let waiter = headWaiter
        headWaiter = nil
        waiter?.resume(throwing: error)
        body?.finish(error)
        body = nil
        close()
    }

    private func close() {
        guard phase != .closed else { return }
        phase = .closed
        if let deadlineTimer { loop.cancelTimer(deadlineTimer) }
        if let connectTimer { loop.cancelTimer(connectTimer) }
        deadlineTimer = nil
        connectTimer = nil
        closeSocket()
        tls = nil
        onClose?()
        onClose = nil
    }

    private func closeSocket() {
        guard fd >= 0 else { return }
        if registered { loop.deregister(fd: fd) }
        registered = false
        Glibc.close(fd)
        fd = -1
    }
}
