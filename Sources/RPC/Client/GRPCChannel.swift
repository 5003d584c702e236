import Synchronization
import HTTP2
import TLS
import ProtoWire

/// Where and how a client connects.
public struct ClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tls: TLSConfiguration
    /// The name checked against the server certificate (and sent as SNI); defaults to `host`.
    public var serverName: String?
    public var http2 = HTTP2Settings()
    public var maxReceiveMessageSize = 4 * 1024 * 1024

    public init(host: String, port: Int, tls: TLSConfiguration, serverName: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.serverName = serverName
    }
}

/// Options of one call.
public struct CallOptions: Sendable {
    public var timeout: Duration?
    public var metadata = Metadata()
    public var compressRequests = false
    /// Called on the connection's loop as the request's bytes go into HTTP/2 frames (flow
    /// control lets them no faster than the server takes them): (bytes framed, bytes submitted).
    /// For progress of large uploads; keep it quick.
    public var requestProgress: (@Sendable (Int, Int) -> Void)?

    public init(timeout: Duration? = nil, metadata: Metadata = Metadata(), compressRequests: Bool = false,
                requestProgress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.timeout = timeout
        self.metadata = metadata
        self.compressRequests = compressRequests
        self.requestProgress = requestProgress
    }
}

/// A streaming call in progress: send requests, read responses, then the status.
public final class StreamingCall<Request: ProtoMessage, Response: ProtoMessage>: Sendable {
    let channel: GRPCChannel
    let call: ClientCall
    let stream: Mutex<HTTP2StreamID?>
    let compress: Bool

    init(channel: GRPCChannel, call: ClientCall, stream: HTTP2StreamID?, compress: Bool) {
        self.channel = channel
        self.call = call
        self.stream = Mutex(stream)
        self.compress = compress
    }

    public func send(_ message: Request) throws {
        guard let id = stream.withLock({ $0 }) else { throw call.status ?? RPCError(.unavailable, "call not started") }
        let framed = try GRPCChannel.frame(message, compress: compress)
        let conn = channel.connection
        channel.loop.execute { conn.send(stream: id, framed: framed, end: false) }
    }

    /// Half-closes: no more requests.
    public func closeSend() {
        guard let id = stream.withLock({ $0 }) else { return }
        let conn = channel.connection
        channel.loop.execute { conn.send(stream: id, framed: [], end: true) }
    }

    public func cancel() {
        guard let id = stream.withLock({ $0 }) else { return }
        let conn = channel.connection
        channel.loop.execute { conn.cancel(stream: id, status: RPCError(.cancelled, "cancelled by the client")) }
    }

    public var responses: AsyncThrowingMapSequence<AsyncThrowingStream<[UInt8], Error>, Response> {
        call.responses.map { try Response(serializedBytes: $0) }
    }

    public func initialMetadata() async -> Metadata { await call.initialMetadata() }
    public var trailingMetadata: Metadata { call.trailingMetadata }
    public var status: RPCError? { call.status }
}

/// A client channel: one connection (made on first use) on its own event loop.
public final class GRPCChannel: Sendable {
    let group: EventLoopGroup
    let loop: EventLoop
    let connection: ClientConnection

    public init(configuration: ClientConfiguration) throws {
        group = try EventLoopGroup(threads: 1)
        loop = group.loops[0]
        connection = ClientConnection(loop: loop, configuration: configuration)
    }

    static func frame<M: ProtoMessage>(_ message: M, compress: Bool) throws -> [UInt8] {
        let bytes = message.serializedBytes()
        return MessageFramer.frame(compress ? try Gzip.compress(bytes) : bytes, compressed: compress)
    }

    /// Starts a call of any kind; `first` (if given) is sent with it, `end` half-closes.
    func start<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, options: CallOptions, first: Req?, end: Bool
    ) async throws -> StreamingCall<Req, Resp> {
        let call = ClientCall()
        let framed = try first.map { try GRPCChannel.frame($0, compress: options.compressRequests) }
        let conn = connection, loop = self.loop
        let id: HTTP2StreamID? = await withCheckedContinuation { cont in
            loop.execute {
                conn.whenReady {
                    let id = conn.start(call: call, path: method.path, metadata: options.metadata,
                                        timeout: options.timeout, compress: options.compressRequests,
                                        progress: options.requestProgress)
                    if let id, framed != nil || end { conn.send(stream: id, framed: framed ?? [], end: end) }
                    cont.resume(returning: id)
                }
            }
        }
        let streaming = StreamingCall<Req, Resp>(channel: self, call: call, stream: id, compress: options.compressRequests)
        if let timeout = options.timeout, let id {
            Task {
                try? await Task.sleep(for: timeout)
                loop.execute { conn.cancel(stream: id, status: RPCError(.deadlineExceeded, "deadline exceeded after \(timeout)")) }
            }
        }
        return streaming
    }

    public func unary<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req, responseType: Resp.Type = Resp.self, options: CallOptions = CallOptions()
    ) async throws -> Resp {
        let call: StreamingCall<Req, Resp> = try await start(method, options: options, first: request, end: true)
        return try await withTaskCancellationHandler {
            var result: Resp?
            for try await message in call.responses where result == nil { result = message }
            if let status = call.status, status.code != .ok { throw status }
            guard let result else { throw RPCError(.internal, "server sent no response message") }
            return result
        } onCancel: { call.cancel() }
    }

    public func serverStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req, responseType: Resp.Type = Resp.self, options: CallOptions = CallOptions()
    ) async throws -> StreamingCall<Req, Resp> {
        try await start(method, options: options, first: request, end: true)
    }

    public func clientStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, requestType: Req.Type = Req.self, responseType: Resp.Type = Resp.self,
        options: CallOptions = CallOptions()
    ) async throws -> StreamingCall<Req, Resp> {
        try await start(method, options: options, first: nil as Req?, end: false)
    }

    public func bidiStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, requestType: Req.Type = Req.self, responseType: Resp.Type = Resp.self,
        options: CallOptions = CallOptions()
    ) async throws -> StreamingCall<Req, Resp> {
        try await start(method, options: options, first: nil as Req?, end: false)
    }

    public func close() {
        let conn = connection
        loop.execute { conn.close() }
        group.shutdown()
    }
}
