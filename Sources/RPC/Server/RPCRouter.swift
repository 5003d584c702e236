import ProtoWire

/// Where a method's handler runs.
public enum HandlerExecution: Sendable {
    /// On Swift's global concurrent pool (the default): a handler may block briefly (SQLite, a
    /// lock) without holding up other connections.
    case pool
    /// On the event-loop thread that read the request, which also writes the response: no thread
    /// hand-off per call. The handler must never block (no synchronous I/O, no waiting on a lock
    /// or semaphore): while it runs, every other connection of that loop waits.
    case eventLoop
}

/// A method as the transport sees it: bytes in, bytes out.
struct RegisteredMethod: Sendable {
    let descriptor: MethodDescriptor
    let execution: HandlerExecution
    let run: @Sendable (ServerCall) async throws -> Void
    /// Set for upload methods that accept messages over the server's default limit.
    var requestLimit: RequestSizeLimit? = nil
    /// Its handler may compress response messages (`ServerContext.compressResponses`).
    var mayCompressResponses = false
}

/// A request message size limit and the configuration key that sets it (named in errors).
public struct RequestSizeLimit: Sendable, Hashable {
    public var bytes: Int
    public var setting: String?
    public init(bytes: Int, setting: String?) {
        self.bytes = bytes
        self.setting = setting
    }
}

/// Maps `:path` to handlers. Built before the server starts, read-only after.
public final class RPCRouter: @unchecked Sendable {
    private(set) var methods: [String: RegisteredMethod] = [:]
    private(set) var services: Set<String> = []

    public init() {}

    public var serviceNames: [String] { services.sorted() }

    public func unary<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, execution: HandlerExecution = .pool,
        _ handler: @escaping @Sendable (Req, ServerContext) async throws -> Resp
    ) {
        add(method, execution) { call in
            let req = try call.singleRequest(Req.self)
            let resp = try await handler(req, call.context)
            try await call.writer.send(resp)
        }
    }

    public func serverStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, _ response: Resp.Type = Resp.self,
        execution: HandlerExecution = .pool,
        _ handler: @escaping @Sendable (Req, ResponseStream<Resp>, ServerContext) async throws -> Void
    ) {
        add(method, execution) { call in
            let req = try call.singleRequest(Req.self)
            try await handler(req, ResponseStream(writer: call.writer), call.context)
        }
    }

    public func clientStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, execution: HandlerExecution = .pool,
        _ handler: @escaping @Sendable (RequestStream<Req>, ServerContext) async throws -> Resp
    ) {
        add(method, execution) { call in
            let resp = try await handler(RequestStream(raw: call.requests, context: call.context), call.context)
            try await call.writer.send(resp)
        }
    }

    public func bidiStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, _ response: Resp.Type = Resp.self,
        execution: HandlerExecution = .pool,
        _ handler: @escaping @Sendable (RequestStream<Req>, ResponseStream<Resp>, ServerContext) async throws -> Void
    ) {
        add(method, execution) { call in
            try await handler(RequestStream(raw: call.requests, context: call.context), ResponseStream(writer: call.writer), call.context)
        }
    }

    /// Lets `method` (registered already) take request messages up to `limit` instead of the
    /// server's default. Interceptors still run when the request headers arrive, so a caller
    /// without the right is refused before any of its message is buffered.
    public func allowLargeRequests(_ method: MethodDescriptor, limit: RequestSizeLimit) {
        precondition(methods[method.path] != nil, "register \(method.path) before raising its request limit")
        methods[method.path]?.requestLimit = limit
    }

    /// Lets `method`'s handler compress response messages. Its responses then announce
    /// `grpc-encoding: gzip` in the headers whenever the client accepts gzip, since whether a
    /// later message is compressed is not known when the headers go; each message carries its
    /// own compressed flag.
    public func allowResponseCompression(_ method: MethodDescriptor) {
        precondition(methods[method.path] != nil, "register \(method.path) before allowing compression")
        methods[method.path]?.mayCompressResponses = true
    }

    /// Registers every method of `service` that has no handler yet as UNIMPLEMENTED, saying so.
    public func registerUnimplemented(_ service: ServiceDescriptor) {
        for m in service.methods where methods[m.path] == nil {
            let path = m.path
            add(m, .eventLoop) { _ in throw RPCError(.unimplemented, "not implemented yet: \(path)") }
        }
    }

    private func add(_ method: MethodDescriptor, _ execution: HandlerExecution,
                     _ run: @escaping @Sendable (ServerCall) async throws -> Void) {
        methods[method.path] = RegisteredMethod(descriptor: method, execution: execution, run: run)
        services.insert(method.service)
    }

    /// The UNIMPLEMENTED status for a path nobody registered, in grpc-go's words.
    func unknownPathError(_ path: String) -> RPCError {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count == 2 {
            let service = String(parts[0])
            if services.contains(service) {
                return RPCError(.unimplemented, "unknown method \(Self.echoed(parts[1])) for service \(service)")
            }
            return RPCError(.unimplemented, "unknown service \(Self.echoed(parts[0]))")
        }
        return RPCError(.unimplemented, "malformed method name: \(Self.echoed(path[...]))")
    }

    /// The longest piece of a client's path echoed back in `grpc-message`.
    static let maxEchoedNameLength = 128

    /// A client-supplied name as an error message repeats it: cut to `maxEchoedNameLength`
    /// characters, so a header-sized path does not come back as a header-sized status.
    static func echoed(_ name: Substring) -> String {
        guard name.count > maxEchoedNameLength else { return String(name) }
        return "\(name.prefix(maxEchoedNameLength))… (\(name.utf8.count) bytes)"
    }
}
