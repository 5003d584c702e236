#if canImport(Glibc)
import Glibc
#endif
import HTTP1
import Synchronization
import TLS

/// Where requests go: `http://host:port` or `https://host:port` (a base path is the caller's).
public struct HTTP1Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var secure: Bool
    public var host: String
    public var port: Int

    public init(secure: Bool, host: String, port: Int) {
        self.secure = secure
        self.host = host
        self.port = port
    }

    /// The value of the `Host` header: the port is left out when it is the scheme's default.
    public var hostHeader: String {
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? h : "\(h):\(port)"
    }

    public var description: String { "\(secure ? "https" : "http")://\(hostHeader)" }
}

/// Why a request failed. `requestMayHaveBeenSent` is false only when the server cannot have
/// seen a byte of it (no connection, or the TLS handshake failed), so a request that must not
/// run twice may be retried exactly then.
public struct HTTP1ClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// No connection: resolution failed, refused, unreachable, or the connect timeout passed.
        case connect
        /// The TLS handshake failed (certificate, protocol).
        case tls
        /// The request's deadline passed.
        case timedOut
        /// The connection broke after it was made.
        case connection
        /// The response was malformed or past a limit.
        case protocolViolation
        /// The body was larger than the caller's limit.
        case bodyTooLarge
    }

    public let kind: Kind
    public let requestMayHaveBeenSent: Bool
    public let description: String

    init(_ kind: Kind, sent: Bool, _ description: String) {
        self.kind = kind
        self.requestMayHaveBeenSent = sent
        self.description = description
    }
}

/// A response whose head has arrived; the body streams in `body`.
public struct HTTP1Response: Sendable {
    public let head: HTTP1ResponseHead
    public let body: HTTP1Body

    public var status: Int { head.status }
    public var headers: [HTTP1Header] { head.headers }
}

/// A small HTTP/1.1 client on jobletd's own event loop, TLS and parser: one request per
/// connection (`Connection: close`), whole-request deadlines, streamed bodies with
/// back-pressure. It exists for the SkyPilot API server, a handful of calls a second at most, so
/// it keeps no connection pool: a fresh TCP (and TLS) connection per request costs well under a
/// millisecond on the host or the LAN where that server runs.
///
/// Its one loop thread ("jobletd-http1-0") starts with the client. Name resolution runs on it
/// (getaddrinfo blocks), so a slow DNS server delays this client's requests, never gRPC's.
public final class HTTP1Client: Sendable {
    public struct Configuration: Sendable {
        /// Per address tried; the request's own deadline bounds the whole exchange.
        public var connectTimeout: Duration = .seconds(5)
        /// HTTPS: the CA certificates that sign the server's certificate; nil: the system's.
        public var caFile: String?
        /// A response head (status line and headers) larger than this is refused.
        public var maxHeadBytes = 64 * 1024
        public init() {}
    }

    public let configuration: Configuration
    private let group: EventLoopGroup
    private let tls = Mutex<TLSConfiguration?>(nil)
    private let isShutDown = Atomic<Bool>(false)
    /// Connections with a request in flight, so that `shutdown` can fail them.
    private let live = LiveConnections()

    private final class LiveConnections: Sendable {
        let map = Mutex<[ObjectIdentifier: HTTP1ClientConnection]>([:])
    }

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        group = try EventLoopGroup(threads: 1, name: "jobletd-http1")
    }

    deinit { group.shutdown() }

    /// Fails the requests still running (their bodies too), then stops the loop thread. The
    /// client cannot be used afterwards. Idempotent.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for loop in group.loops {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                loop.execute { [live] in
                    let running = live.map.withLock { Array($0.values) }
                    for connection in running {
                        connection.fail(HTTP1ClientError(.connection, sent: true, "the HTTP client was shut down"))
                    }
                    done.resume()
                }
            }
        }
        group.shutdown()
    }

    /// Sends `request` to `endpoint` and returns once the response's head has arrived. The body
    /// must then be read or dropped (dropping it closes the connection). `timeout` bounds the whole
    /// exchange, body included; cancelling the calling task (or the body's reader) closes the
    /// connection.
    public func execute(_ request: HTTP1Request, to endpoint: HTTP1Endpoint, timeout: Duration) async throws -> HTTP1Response {
        let bytes: [UInt8]
        do {
            bytes = try request.serialized(host: endpoint.hostHeader)
        } catch {
            throw HTTP1ClientError(.protocolViolation, sent: false, "cannot send request: \(error)")
        }
        guard !isShutDown.load(ordering: .acquiring) else {
            throw HTTP1ClientError(.connect, sent: false, "the HTTP client was shut down")
        }
        let tlsConfiguration = endpoint.secure ? try webTLS() : nil
        let loop = group.nextLoop()
        let connection = HTTP1ClientConnection(loop: loop, endpoint: endpoint, method: request.method, request: bytes,
                                               tls: tlsConfiguration, configuration: configuration,
                                               deadline: .now + timeout)
        let id = ObjectIdentifier(connection)
        live.map.withLock { $0[id] = connection }
        connection.onClose = { [live] in _ = live.map.withLock { $0.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if !loop.tryExecute({ connection.start(continuation) }) {
                    connection.onClose?()
                    continuation.resume(throwing: HTTP1ClientError(.connect, sent: false, "the HTTP client was shut down"))
                }
            }
        } onCancel: {
            loop.execute { connection.cancel() }
        }
    }

    /// The https context, made on first use and kept. A failure (an unreadable `caFile`, say) is
    /// not kept: the next request tries again, so fixing the file needs no restart.
    private func webTLS() throws -> TLSConfiguration {
        try tls.withLock { cached in
            if let cached { return cached }
            do {
                let made = try TLSConfiguration.webClient(caFile: configuration.caFile)
                cached = made
                return made
            } catch {
                throw HTTP1ClientError(.tls, sent: false, "cannot set up TLS: \(error)")
            }
        }
    }
}

/// A response body as it arrives: an `AsyncSequence` of byte chunks with back-pressure (the
/// connection stops reading while more than 256 KiB wait unread). One reader at a time.
public final class HTTP1Body: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var buffered = 0
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var paused = false
        var abandoned = false
    }

    static let highWater = 256 * 1024
    static let lowWater = 64 * 1024

    private let state = Mutex(State())
    /// Posted to the connection's loop: read again after a pause, or close (reader gone).
    private let resumeReading: @Sendable () -> Void
    private let abandon: @Sendable () -> Void

    init(resumeReading: @escaping @Sendable () -> Void, abandon: @escaping @Sendable () -> Void) {
        self.resumeReading = resumeReading
        self.abandon = abandon
    }

    deinit {
        let done = state.withLock { $0.finished || $0.failure != nil }
        if !done { abandon() }
    }

    /// Loop: a chunk arrived. False when the reader is behind: stop reading until `resumeReading`.
    func push(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        let (waiter, keepReading) = state.withLock { s -> (CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            if let w = s.waiter {
                s.waiter = nil
                return (w, true)
            }
            s.chunks.append(bytes)
            s.buffered += bytes.count
            if s.buffered > Self.highWater { s.paused = true }
            return (nil, !s.paused)
        }
        waiter?.resume(returning: bytes)
        return keepReading
    }

    /// Loop: the body ended, cleanly (nil) or not.
    func finish(_ error: (any Error)?) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            guard !s.finished && s.failure == nil else { return nil }
            if let error { s.failure = error } else { s.finished = true }
            let w = s.waiter
            s.waiter = nil
            return w
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                enum Outcome { case chunk([UInt8], resume: Bool), end, failed(any Error), wait }
                let outcome = state.withLock { s -> Outcome in
                    if s.head < s.chunks.count {
                        let chunk = s.chunks[s.head]
                        s.head += 1
                        s.buffered -= chunk.count
                        if s.head == s.chunks.count { s.chunks.removeAll(keepingCapacity: true); s.head = 0 }
                        var resume = false
                        if s.paused && s.buffered < Self.lowWater { s.paused = false; resume = true }
                        return .chunk(chunk, resume: resume)
                    }
                    if let failure = s.failure { return .failed(failure) }
                    if s.finished { return .end }
                    if s.abandoned { return .failed(CancellationError()) }
                    s.waiter = continuation
                    return .wait
                }
                switch outcome {
                case .chunk(let chunk, let resume):
                    if resume { resumeReading() }
                    continuation.resume(returning: chunk)
                case .end: continuation.resume(returning: nil)
                case .failed(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
                s.abandoned = true
                let w = s.waiter
                s.waiter = nil
                return w
            }
            waiter?.resume(throwing: CancellationError())
            abandon()
        }
    }

    /// The whole body; `HTTP1ClientError.bodyTooLarge` past `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await chunk in self {
            guard out.count + chunk.count <= limit else {
                abandon()
                throw HTTP1ClientError(.bodyTooLarge, sent: true, "response body larger than \(limit) bytes")
            }
            out += chunk
        }
        return out
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let body: HTTP1Body
        public mutating func next() async throws -> [UInt8]? { try await body.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}
