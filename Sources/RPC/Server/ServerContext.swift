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

    private struct Response {
        var initialMetadata = Metadata()
        var trailingMetadata = Metadata()
        var compressResponses = false
    }
    private let response = Mutex(Response())
    let cancellation = Atomic<Bool>(false)
    private let lastCompressed = Atomic<Bool>(false)

    init(method: MethodDescriptor, peer: PeerIdentity?, remoteAddress: String, requestMetadata: Metadata,
         deadline: ContinuousClock.Instant?, requestEncoding: MessageEncoding, clientAcceptsGzip: Bool) {
        self.method = method
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.requestMetadata = requestMetadata
        self.deadline = deadline
        self.requestEncoding = requestEncoding
        self.clientAcceptsGzip = clientAcceptsGzip
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

    /// Compress response messages with gzip (only if the client accepts it).
    public var compressResponses: Bool {
        get { response.withLock { $0.compressResponses } }
        set { response.withLock { $0.compressResponses = newValue } }
    }

    /// Whether the most recent request message arrived compressed (the interop tests ask).
    public var lastRequestWasCompressed: Bool { lastCompressed.load(ordering: .relaxed) }

    func noteRequestCompressed(_ compressed: Bool) { lastCompressed.store(compressed, ordering: .relaxed) }

    /// True once the client cancelled, went away, or the deadline passed.
    public var isCancelled: Bool { cancellation.load(ordering: .relaxed) }
}

/// Runs before every handler; throwing an `RPCError` ends the call with that status.
public protocol ServerInterceptor: Sendable {
    func intercept(_ context: ServerContext) async throws
}
