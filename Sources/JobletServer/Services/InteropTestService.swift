import JobletAPI
import RPC

/// The server side of gRPC's interop suite (`grpc.testing.TestService`), served only with
/// `--enable-interop-testing`: conformance tests and the benchmarks in bench/ use it.
/// `UnimplementedCall` is left unregistered on purpose: it must answer UNIMPLEMENTED.
public struct InteropTestService: Sendable {
    public init() {}

    typealias SimpleRequest = Grpc_Testing_SimpleRequest
    typealias SimpleResponse = Grpc_Testing_SimpleResponse

    static func payload(size: Int32) -> Grpc_Testing_Payload {
        var p = Grpc_Testing_Payload()
        p.body = [UInt8](repeating: 0, count: Int(max(0, size)))
        return p
    }

    /// custom_metadata: echo the two test keys back, in headers and trailers.
    static func echoMetadata(_ context: ServerContext) {
        if let initial = context.requestMetadata.first("x-grpc-test-echo-initial") {
            var m = context.initialMetadata
            m.add("x-grpc-test-echo-initial", initial)
            context.initialMetadata = m
        }
        if let trailing = context.requestMetadata.firstBinary("x-grpc-test-echo-trailing-bin") {
            var m = context.trailingMetadata
            m.add("x-grpc-test-echo-trailing-bin", binary: trailing)
            context.trailingMetadata = m
        }
    }

    /// status_code_and_message, special_status_message: the client asks for a status.
    static func requestedStatus(_ status: Grpc_Testing_EchoStatus?) -> RPCError? {
        guard let status, status.code != 0 else { return nil }
        return RPCError(RPCStatusCode(rawValue: Int(status.code)) ?? .unknown, status.message)
    }

    /// Every handler here computes, awaits or sleeps asynchronously and never blocks: they run on
    /// the event loops (`HandlerExecution.eventLoop`).
    public func register(on router: RPCRouter) {
        let service = Grpc_Testing_TestService.Method.self
        router.unary(service.emptyCall, Grpc_Testing_Empty.self, execution: .eventLoop) { (_, context) -> Grpc_Testing_Empty in
            InteropTestService.echoMetadata(context)
            return Grpc_Testing_Empty()
        }
        let unary: @Sendable (SimpleRequest, ServerContext) async throws -> SimpleResponse = { req, context in
            InteropTestService.echoMetadata(context)
            if req.expectCompressed?.value == true && !context.lastRequestWasCompressed {
                throw RPCError(.invalidArgument, "expected a compressed request message")
            }
            if let error = InteropTestService.requestedStatus(req.responseStatus) { throw error }
            context.compressResponses = req.responseCompressed?.value == true
            var resp = SimpleResponse()
            resp.payload = InteropTestService.payload(size: req.responseSize)
            if req.fillServerId { resp.serverId = "jobletd" }
            if req.fillUsername, let cn = context.peer?.commonName { resp.username = cn }
            return resp
        }
        router.unary(service.unaryCall, SimpleRequest.self, execution: .eventLoop, unary)
        router.unary(service.cacheableUnaryCall, SimpleRequest.self, execution: .eventLoop, unary)

        router.serverStreaming(service.streamingOutputCall, Grpc_Testing_StreamingOutputCallRequest.self,
                               Grpc_Testing_StreamingOutputCallResponse.self, execution: .eventLoop) { req, stream, context in
            InteropTestService.echoMetadata(context)
            try await InteropTestService.respond(req.responseParameters, on: stream, context: context)
            if let error = InteropTestService.requestedStatus(req.responseStatus) { throw error }
        }

        router.clientStreaming(service.streamingInputCall, Grpc_Testing_StreamingInputCallRequest.self, execution: .eventLoop) {
            (requests, context) -> Grpc_Testing_StreamingInputCallResponse in
            InteropTestService.echoMetadata(context)
            var total: Int32 = 0
            for try await req in requests {
                if req.expectCompressed?.value == true && !context.lastRequestWasCompressed {
                    throw RPCError(.invalidArgument, "expected a compressed request message")
                }
                total += Int32(req.payload?.body.count ?? 0)
            }
            var resp = Grpc_Testing_StreamingInputCallResponse()
            resp.aggregatedPayloadSize = total
            return resp
        }

        router.bidiStreaming(service.fullDuplexCall, Grpc_Testing_StreamingOutputCallRequest.self,
                             Grpc_Testing_StreamingOutputCallResponse.self, execution: .eventLoop) { requests, stream, context in
            InteropTestService.echoMetadata(context)
            for try await req in requests {
                if let error = InteropTestService.requestedStatus(req.responseStatus) { throw error }
                try await InteropTestService.respond(req.responseParameters, on: stream, context: context)
            }
        }

        router.bidiStreaming(service.halfDuplexCall, Grpc_Testing_StreamingOutputCallRequest.self,
                             Grpc_Testing_StreamingOutputCallResponse.self, execution: .eventLoop) { requests, stream, context in
            InteropTestService.echoMetadata(context)
            var all: [Grpc_Testing_StreamingOutputCallRequest] = []
            for try await req in requests { all.append(req) }
            for req in all { try await InteropTestService.respond(req.responseParameters, on: stream, context: context) }
        }
        for method in [service.unaryCall, service.cacheableUnaryCall, service.streamingOutputCall,
                       service.fullDuplexCall, service.halfDuplexCall] {
            router.allowResponseCompression(method)
        }
    }

    static func respond(_ parameters: [Grpc_Testing_ResponseParameters],
                        on stream: ResponseStream<Grpc_Testing_StreamingOutputCallResponse>, context: ServerContext) async throws {
        for p in parameters {
            if p.intervalUs > 0 { try await Task.sleep(for: .microseconds(Int64(p.intervalUs))) }
            context.compressResponses = p.compressed?.value == true  // per message
            var resp = Grpc_Testing_StreamingOutputCallResponse()
            resp.payload = payload(size: p.size)
            try await stream.send(resp)
        }
    }
}
