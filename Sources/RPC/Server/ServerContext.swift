import Synchronization
import TLS
import ProtoWire

/// What a handler knows about its call, and what it may set on the response.
/// Response fields sit behind one lock; the handler and the loop touch them rarely.
public final class ServerContext: Sendable {
    public let method: MethodDescriptor
    public let peer: PeerIdentity?
    public let remoteAddress: String
    public let requestMetadata: Metadata
    public let deadline: ContinuousClock.Instant?
    /// The encoding of the request messages (`grpc-encoding`).
    public let requestEncoding: MessageEncoding
    /// Whether the client accepts gzip responses (`grpc-accept-encoding`).
    public let clientAcceptsGzip: Bool
    /// The response headers announce `grpc-encoding: gzip`: the client accepts it and the
    /// method may compress. Only then may a response message be compressed.
    let announcesGzipResponses: Bool

    private struct Response {
        var initialMetadata = Metadata()
        var trailingMetadata = Metadata()
        var compressResponses = false
    }
    private let response = Mutex(Response())
    let cancellation = Atomic<Bool>(false)
    private let lastCompressed = Atomic<Bool>(false)

    init(method: MethodDescriptor, peer: PeerIdentity?, remoteAddress: String, requestMetadata: Metadata,
         deadline: ContinuousClock.Instant?, requestEncoding: MessageEncoding, clientAcceptsGzip: Bool,
         methodMayCompress: Bool = false) {
        self.method = method
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.requestMetadata = requestMetadata
        self.deadline = deadline
        self.requestEncoding = requestEncoding
        self.clientAcceptsGzip = clientAcceptsGzip
        self.announcesGzipResponses = clientAcceptsGzip && methodMayCompress
    }

    /// Metadata sent with the response headers; set it before the first response message.
    public var initialMetadata: Metadata {
        get { response.withLock { $0.initialMetadata } }
        set { response.withLock { $0.initialMetadata = newValue } }
    }

    /// Metadata sent with the status in the trailers.
    public var trailingMetadata: Metadata {
        get { response.withLock { $0.trailingMetadata } }
        set { response.withLock { $0.trailingMetadata = newValue } }
    }

    /// Compress the response messages sent from now on with gzip; read at each send, so
    /// messages of one call may differ. Takes effect only for methods registered with
    /// `RPCRouter.allowResponseCompression` and clients that accept gzip.
    public var compressResponses: Bool {
        get { response.withLock { $0.compressResponses } }
        set { response.withLock { $0.compressResponses = newValue } }
    }

    /// Whether the request message the handler received last arrived compressed (the interop
    /// tests ask). Set as each message is handed to the handler, so it always matches the
    /// message in hand even when several arrived in one read.
    public var lastRequestWasCompressed: Bool { lastCompressed.load(ordering: .relaxed) }

    func noteRequestCompressed(_ compressed: Bool) { lastCompressed.store(compressed, ordering: .relaxed) }

    /// True once the client cancelled, went away, or the deadline passed.
    public var isCancelled: Bool { cancellation.load(ordering: .relaxed) }
}

/// Runs for every call; throwing an `RPCError` ends the call with that status.
public protocol ServerInterceptor: Sendable {
    /// On the event loop when the request headers arrive, before any request message is
    /// buffered (so a refused caller cannot make the server hold an upload). Must be quick and
    /// must never block.
    func admit(_ context: ServerContext) throws(RPCError)
    /// Before the handler, off the loop for `.pool` methods.
    func intercept(_ context: ServerContext) async throws
}

extension ServerInterceptor {
    public func admit(_ context: ServerContext) throws(RPCError) {}
    public func intercept(_ context: ServerContext) async throws {}
}
