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
            let resp = try await handler(RequestStream(raw: call.requests), call.context)
            try await call.writer.send(resp)
        }
    }

    public func bidiStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, _ response: Resp.Type = Resp.self,
        execution: HandlerExecution = .pool,
        _ handler: @escaping @Sendable (RequestStream<Req>, ResponseStream<Resp>, ServerContext) async throws -> Void
    ) {
        add(method, execution) { call in
            try await handler(RequestStream(raw: call.requests), ResponseStream(writer: call.writer), call.context)
        }
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
                return RPCError(.unimplemented, "unknown method \(parts[1]) for service \(service)")
            }
            return RPCError(.unimplemented, "unknown service \(service)")
        }
        return RPCError(.unimplemented, "malformed method name: \(path)")
    }
}
