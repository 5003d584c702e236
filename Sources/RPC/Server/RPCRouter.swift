import ProtoWire

/// A method as the transport sees it: bytes in, bytes out.
struct RegisteredMethod: Sendable {
    let descriptor: MethodDescriptor
    let run: @Sendable (ServerCall) async throws -> Void
}

/// Maps `:path` to handlers. Built before the server starts, read-only after.
public final class RPCRouter: @unchecked Sendable {
    private(set) var methods: [String: RegisteredMethod] = [:]
    private(set) var services: Set<String> = []

    public init() {}

    public var serviceNames: [String] { services.sorted() }

    public func unary<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self,
        _ handler: @escaping @Sendable (Req, ServerContext) async throws -> Resp
    ) {
        add(method) { call in
            let req = try call.singleRequest(Req.self)
            let resp = try await handler(req, call.context)
            try await call.writer.send(resp)
        }
    }

    public func serverStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, _ response: Resp.Type = Resp.self,
        _ handler: @escaping @Sendable (Req, ResponseStream<Resp>, ServerContext) async throws -> Void
    ) {
        add(method) { call in
            let req = try call.singleRequest(Req.self)
            try await handler(req, ResponseStream(writer: call.writer), call.context)
        }
    }

    public func clientStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self,
        _ handler: @escaping @Sendable (RequestStream<Req>, ServerContext) async throws -> Resp
    ) {
        add(method) { call in
            let resp = try await handler(RequestStream(raw: call.requests), call.context)
            try await call.writer.send(resp)
        }
    }

    public func bidiStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Req.Type = Req.self, _ response: Resp.Type = Resp.self,
        _ handler: @escaping @Sendable (RequestStream<Req>, ResponseStream<Resp>, ServerContext) async throws -> Void
    ) {
        add(method) { call in
            try await handler(RequestStream(raw: call.requests), ResponseStream(writer: call.writer), call.context)
        }
    }

    /// Registers every method of `service` that has no handler yet as UNIMPLEMENTED, saying so.
    public func registerUnimplemented(_ service: ServiceDescriptor) {
        for m in service.methods where methods[m.path] == nil {
            let path = m.path
            add(m) { _ in throw RPCError(.unimplemented, "not implemented yet: \(path)") }
        }
    }

    private func add(_ method: MethodDescriptor, _ run: @escaping @Sendable (ServerCall) async throws -> Void) {
        methods[method.path] = RegisteredMethod(descriptor: method, run: run)
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
