#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop
import Foundation
import Synchronization
import HTTP2
import TLS
import Logging

/// How a server listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tls: TLSConfiguration
    public var http2 = HTTP2Settings()
    /// Larger request messages get RESOURCE_EXHAUSTED; the connection stays up.
    public var maxReceiveMessageSize = 4 * 1024 * 1024
    /// The configuration key that sets `maxReceiveMessageSize`, named in the error over it.
    public var maxReceiveMessageSizeSetting: String?
    /// Bounds the memory held by request messages over `maxReceiveMessageSize` (methods given a
    /// larger limit with `RPCRouter.allowLargeRequests`); over it a call gets RESOURCE_EXHAUSTED.
    public var largeRequestBudget: RequestMemoryBudget?
    public var eventLoops = EventLoopGroup.defaultThreadCount
    /// While a loop is busy (its last wait ended within 100 µs), it polls for events this many
    /// times, yielding between polls, before it blocks again. 0 always blocks.
    public var eventLoopSpinPolls = EventLoopGroup.defaultSpinPolls
    /// A connection that has not finished its TLS handshake by then is closed.
    public var handshakeTimeout: Duration = .seconds(10)
    /// Encrypted output a connection may hold that the socket has not taken yet; past it, the
    /// connection stops pulling frames from HTTP/2, so unsent bytes stay counted per stream
    /// (back-pressure reaches the handlers) and control frames are not queued behind megabytes.
    public var maxBufferedCiphertext = 1 << 20
    /// Told of every finished call (metrics); nil: nobody is.
    public var callObserver: (any ServerCallObserver)?

    public init(host: String, port: Int, tls: TLSConfiguration) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// What every connection of a server shares. Immutable but for the connection registry.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let sessionConfiguration: GRPCSessionConfiguration
    let logger: Logger
    private let connections = Mutex<[ObjectIdentifier: ServerConnection]>([:])
    /// Connections closed since the server started.
    private let closed = Atomic<Int>(0)

    init(configuration: ServerConfiguration, router: RPCRouter, interceptors: [any ServerInterceptor], logger: Logger) {
        self.configuration = configuration
        self.sessionConfiguration = GRPCSessionConfiguration(
            router: router, interceptors: interceptors, http2: configuration.http2,
            maxReceiveMessageSize: configuration.maxReceiveMessageSize,
            maxReceiveMessageSizeSetting: configuration.maxReceiveMessageSizeSetting,
            largeRequestBudget: configuration.largeRequestBudget, logger: logger,
            callObserver: configuration.callObserver)
        self.logger = logger
    }

    func connectionOpened(_ c: ServerConnection) { connections.withLock { $0[ObjectIdentifier(c)] = c } }
    func connectionClosed(_ c: ServerConnection) {
        if connections.withLock({ $0.removeValue(forKey: ObjectIdentifier(c)) }) != nil {
            closed.add(1, ordering: .relaxed)
        }
    }
    var closedConnections: Int { closed.load(ordering: .relaxed) }
    var allConnections: [ServerConnection] { connections.withLock { Array($0.values) } }
    var connectionCount: Int { connections.withLock { $0.count } }
}

/// Accepts connections on the first loop and hands them out round-robin.
final class Listener: EventLoopHandler, @unchecked Sendable {
    let fd: Int32
    let group: EventLoopGroup
    let core: ServerCore

    init(fd: Int32, group: EventLoopGroup, core: ServerCore) {
        self.fd = fd
        self.group = group
        self.core = core
    }

    func handleEvents(_ events: UInt32) {
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: String)?
            do {
                accepted = try Socket.accept(fd)
            } catch {
                core.logger.warning("accept failed: \(error)")
                return
            }
            guard let (cfd, peer) = accepted else { return }
            let loop = group.nextLoop()
            let core = self.core
            loop.execute {
                do {
                    let c = try ServerConnection(fd: cfd, loop: loop, server: core, remoteAddress: peer)
                    try loop.register(fd: cfd, events: CEventLoop_EPOLLIN | CEventLoop_EPOLLRDHUP, handler: c)
                    core.connectionOpened(c)
                } catch {
                    core.logger.error("cannot set up connection from \(peer): \(error)")
                    Glibc.close(cfd)
                }
            }
        }
    }
}

/// A gRPC server over our own HTTP/2 and mutual TLS 1.3.
public final class GRPCServer: Sendable {
    private let core: ServerCore
    private let group: EventLoopGroup
    private let state = Mutex<(listenerFD: Int32, port: Int, reaper: Task<Void, Never>?)>((-1, 0, nil))

    public init(configuration: ServerConfiguration, router: RPCRouter, interceptors: [any ServerInterceptor] = [],
                logger: Logger = Logger(label: "jobletd.rpc")) throws {
        core = ServerCore(configuration: configuration, router: router, interceptors: interceptors, logger: logger)
        group = try EventLoopGroup(threads: configuration.eventLoops, spinPolls: configuration.eventLoopSpinPolls)
    }

    /// Binds and starts accepting; returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws -> Int {
        let (fd, port) = try Socket.listen(host: core.configuration.host, port: core.configuration.port)
        let listener = Listener(fd: fd, group: group, core: core)
        let loop = group.loops[0]
        let registered = Mutex<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        loop.execute {
            do { try loop.register(fd: fd, events: CEventLoop_EPOLLIN, handler: listener) } catch { registered.withLock { $0 = error } }
            done.signal()
        }
        done.wait()
        if let error = registered.withLock({ $0 }) { Glibc.close(fd); throw error }
        let reaper = Task { [core] in await GRPCServer.reapSlowHandshakes(core) }
        state.withLock { $0 = (fd, port, reaper) }
        return port
    }

    public var port: Int { state.withLock { $0.port } }
    public var connectionCount: Int { core.connectionCount }

    /// Housekeeping once a second: closes connections that never finish their TLS handshake
    /// (half-open clients), and after connections close hands freed memory back to the kernel
    /// (glibc keeps it in per-thread arenas otherwise: three 256 MiB streams in a row left RSS at
    /// 48 MiB, 34 MiB after a trim). At once after a wave of 64 closes, else at most every 5 s.
    private static func reapSlowHandshakes(_ core: ServerCore) async {
        var peak = 0
        var closedAtTrim = 0
        var lastTrim = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let count = core.connectionCount, closed = core.closedConnections
            peak = max(peak, count)
            if peak - count >= 64 || (closed > closedAtTrim && ContinuousClock.now - lastTrim >= .seconds(5)) {
                _ = CEventLoop_malloc_trim()
                peak = count
                closedAtTrim = closed
                lastTrim = .now
            }
            let limit = core.configuration.handshakeTimeout
            let now = ContinuousClock.now
            for c in core.allConnections where !c.established.load(ordering: .relaxed) && now - c.acceptedAt > limit {
                c.loop.execute {
                    if c.isHandshaking && ContinuousClock.now - c.acceptedAt > limit {
                        c.close(reason: "TLS handshake timed out")
                    }
                }
            }
        }
    }

    /// Stops accepting, sends GOAWAY, waits up to `drainTimeout` for calls to finish, then closes.
    public func shutdown(drainTimeout: Duration = .seconds(10)) async {
        let (fd, reaper) = state.withLock { s -> (Int32, Task<Void, Never>?) in
            let r = (s.listenerFD, s.reaper)
            s.listenerFD = -1
            s.reaper = nil
            return r
        }
        reaper?.cancel()
        if fd >= 0 {
            let loop = group.loops[0]
            await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
                loop.execute {
                    loop.deregister(fd: fd)
                    Glibc.close(fd)
                    cont.resume()
                }
            }
        }
        for c in core.allConnections { c.loop.execute { c.beginShutdown() } }
        let deadline = ContinuousClock.now + drainTimeout
        while core.connectionCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for c in core.allConnections { c.loop.execute { c.close(reason: "drain timeout") } }
        try? await Task.sleep(for: .milliseconds(20))
        group.shutdown()
    }
}
