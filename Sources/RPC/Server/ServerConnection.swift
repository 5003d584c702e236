#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop
import TLS
import Logging
import Synchronization

/// One client connection: the socket and TLS. Once the handshake is done, the plaintext goes
/// to a `GRPCServerSession`, which does everything HTTP/2 and gRPC. Confined to its event
/// loop's thread; other threads reach it only through `loop.execute`, hence `@unchecked Sendable`.
final class ServerConnection: EventLoopHandler, EventLoopFlushable, @unchecked Sendable {
    let fd: Int32
    let loop: EventLoop
    let server: ServerCore
    let remoteAddress: String
    let acceptedAt = ContinuousClock.now
    /// Set once TLS and HTTP/2 are up; read by the server's housekeeping on another thread, so
    /// it visits only connections still handshaking.
    let established = Atomic<Bool>(false)
    private let tls: TLSSession
    private var session: GRPCServerSession?
    private var wantsWritable = false
    private(set) var closed = false
    private var closeAfterFlush = false
    /// Marked dirty on the loop for this batch already.
    private var flushPending = false

    init(fd: Int32, loop: EventLoop, server: ServerCore, remoteAddress: String) throws {
        self.fd = fd
        self.loop = loop
        self.server = server
        self.remoteAddress = remoteAddress
        self.tls = try TLSSession(configuration: server.configuration.tls)
    }

    var isHandshaking: Bool { !closed && session == nil }

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
        if session == nil {
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
                established.store(true, ordering: .relaxed)
                session = try GRPCServerSession(
                    executor: loop, configuration: server.sessionConfiguration, peer: tls.peerIdentity,
                    remoteAddress: remoteAddress, requestFlush: { [weak self] in self?.scheduleFlush() })
            } catch {
                server.logger.error("cannot create HTTP/2 session: \(error)")
                close(reason: "HTTP/2 session")
                return
            }
        }
        guard let session else { return }
        var plain = loop.takeScratch()
        defer { loop.returnScratch(&plain) }
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
            if !plain.isEmpty && !plain.withUnsafeBytes({ session.receive($0) }) {
                closeAfterFlush = true
                return
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
        guard !flushPending else { return }
        flushPending = true
        loop.markDirty(self)
    }

    func flushFromLoop() {
        flushPending = false
        flush()
    }

    /// Moves what HTTP/2 wants to send through TLS onto the socket; stops pulling from the
    /// session while the socket is backed up, so unsent bytes stay counted per stream.
    func flush() {
        guard !closed else { return }
        // Ciphertext already backed up: leave the session's frames where they are this time, and
        // come back (writable interest) once the socket took what is buffered, even if it takes
        // it all in this call; otherwise a stream with more to send would wait for an event that
        // never comes.
        let pullDeferred = session != nil && tls.pendingCiphertextCount >= server.configuration.maxBufferedCiphertext
        if let session, !pullDeferred {
            var plain = loop.takeScratch()
            do {
                try session.send(into: &plain)
                if !plain.isEmpty { try plain.withUnsafeBytes { try tls.writePlaintext($0) } }
            } catch {
                loop.returnScratch(&plain)
                close(reason: "send: \(error)")
                return
            }
            loop.returnScratch(&plain)
        }
        writeSocket(comeBack: pullDeferred)
        if closed { return }
        session?.reportDrain()
        if !tls.hasPendingCiphertext {
            if closeAfterFlush { close(reason: "closing after error"); return }
            if let session, session.isFinished { close(reason: "HTTP/2 session finished"); return }
        }
    }

    /// Writes the TLS session's ciphertext straight from its buffer until the socket is full;
    /// asks for writability while some is left, or when `comeBack` (a flush held frames back).
    private func writeSocket(comeBack: Bool) {
        var failure: Int32 = 0
        while tls.hasPendingCiphertext && failure == 0 {
            var full = false
            tls.writeCiphertext { bytes in
                while true {
                    let n = write(fd, bytes.baseAddress!, bytes.count)
                    if n >= 0 { return n }
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { full = true } else { failure = errno }
                    return 0
                }
            }
            if full { break }
        }
        if failure != 0 {
            close(reason: "write: \(String(cString: strerror(failure)))")
            return
        }
        setWritableInterest(tls.hasPendingCiphertext || comeBack)
    }

    private func setWritableInterest(_ on: Bool) {
        guard on != wantsWritable else { return }
        wantsWritable = on
        let base = CEventLoop_EPOLLIN | CEventLoop_EPOLLRDHUP
        loop.modify(fd: fd, events: on ? base | CEventLoop_EPOLLOUT : base)
    }

    /// Graceful shutdown: GOAWAY, let running calls finish; the session closes when idle.
    func beginShutdown() {
        guard !closed else { return }
        guard let session else { return close(reason: "server shutting down") }
        session.beginShutdown()
    }

    func close(reason: String) {
        guard !closed else { return }
        closed = true
        session?.close(reason: reason)
        loop.deregister(fd: fd)
        Glibc.close(fd)
        server.connectionClosed(self)
    }
}
