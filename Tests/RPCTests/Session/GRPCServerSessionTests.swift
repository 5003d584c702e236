import XCTest
import HTTP2
import JobletAPI
import ProtoWire
@testable import RPC

/// The server session driven in memory, byte by byte, by a real HTTP/2 client session.
final class GRPCServerSessionTests: XCTestCase {
    static let unaryPath = Grpc_Testing_TestService.Method.unaryCall.path

    private func simple(_ body: [UInt8]) -> [UInt8] {
        var req = Grpc_Testing_SimpleRequest()
        req.payload = Grpc_Testing_Payload()
        req.payload?.body = body
        return req.serializedBytes()
    }

    private func echoRouter() -> RPCRouter {
        let router = RPCRouter()
        router.unary(Grpc_Testing_TestService.Method.unaryCall, Grpc_Testing_SimpleRequest.self) { req, _ in
            var resp = Grpc_Testing_SimpleResponse()
            resp.payload = req.payload
            resp.username = "echo"
            return resp
        }
        return router
    }

    func testUnaryOK() async throws {
        let d = try SessionDriver(router: echoRouter())
        let id = try d.call(Self.unaryPath, [simple([1, 2, 3])])
        try await d.pump { d.closed(id) }
        XCTAssertEqual(d.httpStatus(id), "200")
        XCTAssertEqual(d.status(id)?.code, 0)
        let resp = try Grpc_Testing_SimpleResponse(serializedBytes: try d.responseMessages(id).first ?? [])
        XCTAssertEqual(resp.payload?.body, [1, 2, 3])
        XCTAssertEqual(resp.username, "echo")
    }

    func testUnknownServiceAndMethodAreUnimplementedTrailersOnly() async throws {
        let d = try SessionDriver(router: echoRouter())
        let service = try d.call("/no.Such/Thing", [simple([])])
        let method = try d.call("/grpc.testing.TestService/Nope", [simple([])])
        try await d.pump { d.closed(service) && d.closed(method) }
        for (id, text) in [(service, "unknown service no.Such"), (method, "unknown method Nope for service grpc.testing.TestService")] {
            XCTAssertEqual(d.headerBlocks(id).count, 1, "Trailers-Only: one HEADERS frame")
            XCTAssertEqual(d.httpStatus(id), "200")
            XCTAssertEqual(d.status(id)?.code, RPCStatusCode.unimplemented.rawValue)
            XCTAssertEqual(d.status(id)?.message, text)
            XCTAssertEqual(try d.responseMessages(id), [])
        }
    }

    func testNonPOSTIs405AndBadContentTypeIs415() async throws {
        let d = try SessionDriver(router: echoRouter())
        let get = try d.call(Self.unaryPath, [], method: "GET")
        let text = try d.call(Self.unaryPath, [], contentType: "text/plain")
        try await d.pump { d.closed(get) && d.closed(text) }
        XCTAssertEqual(d.httpStatus(get), "405")
        XCTAssertEqual(d.httpStatus(text), "415")
        XCTAssertTrue(d.status(text)?.message.contains("application/grpc") ?? false)
    }

    func testTooLargeMessageIsResourceExhaustedAndTheSessionServesTheNextCall() async throws {
        let d = try SessionDriver(router: echoRouter(), maxReceiveMessageSize: 1024)
        let big = try d.call(Self.unaryPath, [simple([UInt8](repeating: 1, count: 4000))])
        try await d.pump { d.closed(big) }
        XCTAssertEqual(d.status(big)?.code, RPCStatusCode.resourceExhausted.rawValue)
        XCTAssertTrue(d.status(big)?.message.contains("larger than max") ?? false)
        let small = try d.call(Self.unaryPath, [simple([7])])
        try await d.pump { d.closed(small) }
        XCTAssertEqual(d.status(small)?.code, 0)
        XCTAssertEqual(try d.responseMessages(small).count, 1)
    }

    func testClientResetCancelsTheHandlerTask() async throws {
        let started = Probe(), sawCancel = Probe(), contextCancelled = Probe()
        let router = RPCRouter()
        router.unary(Grpc_Testing_TestService.Method.unaryCall, Grpc_Testing_SimpleRequest.self) { _, ctx in
            started.set(1)
            do { try await Task.sleep(for: .seconds(30)) } catch is CancellationError {
                sawCancel.set(1)
                contextCancelled.set(ctx.isCancelled ? 1 : 0)
            }
            return Grpc_Testing_SimpleResponse()
        }
        let d = try SessionDriver(router: router)
        let id = try d.call(Self.unaryPath, [simple([])])
        try await d.pump { started.get == 1 }
        try d.client.resetStream(id, errorCode: 8)
        try await d.pump { sawCancel.get == 1 }
        XCTAssertEqual(contextCancelled.get, 1)
        XCTAssertNil(d.status(id), "a reset stream gets no status")
    }

    func testGRPCTimeoutEndsTheCallWithDeadlineExceeded() async throws {
        let cancelled = Probe()
        let router = RPCRouter()
        router.unary(Grpc_Testing_TestService.Method.unaryCall, Grpc_Testing_SimpleRequest.self) { _, _ in
            do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.set(1); throw error }
            return Grpc_Testing_SimpleResponse()
        }
        let d = try SessionDriver(router: router)
        d.byteByByte = false
        let id = try d.call(Self.unaryPath, [simple([])], extra: [("grpc-timeout", "50m")])
        let start = ContinuousClock.now
        try await d.pump { d.closed(id) }
        XCTAssertEqual(d.status(id)?.code, RPCStatusCode.deadlineExceeded.rawValue)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(45))
        try await d.pump { cancelled.get == 1 }
    }

    func testMalformedTimeoutAndUnknownEncodingAreRefused() async throws {
        let d = try SessionDriver(router: echoRouter())
        let timeout = try d.call(Self.unaryPath, [simple([])], extra: [("grpc-timeout", "soon")])
        let encoding = try d.call(Self.unaryPath, [simple([])], extra: [("grpc-encoding", "br")])
        try await d.pump { d.closed(timeout) && d.closed(encoding) }
        XCTAssertEqual(d.status(timeout)?.code, RPCStatusCode.internal.rawValue)
        XCTAssertEqual(d.status(encoding)?.code, RPCStatusCode.unimplemented.rawValue)
    }
}
