import XCTest
import HTTP2
import JobletAPI
import ProtoWire
@testable import RPC

/// Per-method request limits, authorization before buffering, the large-request budget,
/// oversized header lists and echoed names.
final class RequestLimitTests: XCTestCase {
    static let unary = Grpc_Testing_TestService.Method.unaryCall
    static let upload = Grpc_Testing_TestService.Method.cacheableUnaryCall

    private func simple(_ n: Int) -> [UInt8] {
        var req = Grpc_Testing_SimpleRequest()
        req.payload = Grpc_Testing_Payload()
        req.payload?.body = [UInt8](repeating: 7, count: n)
        return req.serializedBytes()
    }

    private func router(uploadLimit: Int, handled: Probe = Probe()) -> RPCRouter {
        let router = RPCRouter()
        for m in [Self.unary, Self.upload] {
            router.unary(m, Grpc_Testing_SimpleRequest.self) { req, _ in
                handled.add(1)
                var resp = Grpc_Testing_SimpleResponse()
                resp.username = "\(req.payload?.body.count ?? 0)"
                return resp
            }
        }
        router.allowLargeRequests(Self.upload, limit: RequestSizeLimit(bytes: uploadLimit, setting: "server.maxUploadMessageSize"))
        return router
    }

    func testUploadMethodTakesMessagesOverTheDefaultOthersDoNotAndTheErrorNamesTheKey() async throws {
        let d = try SessionDriver(router: router(uploadLimit: 64 * 1024), maxReceiveMessageSize: 1024)
        d.byteByByte = false
        let upload = try d.call(Self.upload.path, [simple(20_000)])
        let plain = try d.call(Self.unary.path, [simple(20_000)])
        let over = try d.call(Self.upload.path, [simple(70_000)])
        try await d.pump { d.closed(upload) && d.closed(plain) && d.closed(over) }
        XCTAssertEqual(d.status(upload)?.code, 0)
        XCTAssertEqual(d.status(plain)?.code, RPCStatusCode.resourceExhausted.rawValue)
        XCTAssertTrue(d.status(plain)?.message.contains("server.maxReceiveMessageSize") ?? false, d.status(plain)?.message ?? "")
        XCTAssertEqual(d.status(over)?.code, RPCStatusCode.resourceExhausted.rawValue)
        let text = d.status(over)?.message ?? ""
        XCTAssertTrue(text.contains("server.maxUploadMessageSize") && text.contains("CacheableUnaryCall"), text)
    }

    /// Refuses every call at headers time, counting how often it was asked.
    struct DenyAll: ServerInterceptor {
        let asked: Probe
        func admit(_ context: ServerContext) throws(RPCError) {
            asked.add(1)
            throw RPCError(.permissionDenied, "role viewer is not allowed to perform operation upload")
        }
    }

    func testARefusedCallerIsAnsweredAtHeadersTimeAndItsBodyNeverReachesTheHandler() async throws {
        let asked = Probe(), handled = Probe()
        let d = try SessionDriver(router: router(uploadLimit: 1 << 20, handled: handled), maxReceiveMessageSize: 1024,
                                  interceptors: [DenyAll(asked: asked)])
        d.byteByByte = false
        // Headers only: the answer must come before any message byte is sent.
        let id = try d.client.submitRequest(headers: SessionDriver.requestHeaders(Self.upload.path), endStream: false)
        try await d.pump { d.status(id) != nil }
        XCTAssertEqual(d.status(id)?.code, RPCStatusCode.permissionDenied.rawValue)
        XCTAssertEqual(asked.get, 1)
        try await d.pump { d.closed(id) }  // the server resets the rest of the request
        XCTAssertEqual(handled.get, 0)
    }

    func testTheBudgetRefusesALargeRequestThatDoesNotFitAndIsGivenBack() async throws {
        let budget = RequestMemoryBudget(capacity: 30_000, setting: "server.uploadMemoryBudget")
        let d = try SessionDriver(router: router(uploadLimit: 1 << 20), maxReceiveMessageSize: 1024, budget: budget)
        d.byteByByte = false
        // The first call announces 20 000 bytes but sends only its prefix, so it holds its share.
        var prefix: [UInt8] = []
        MessageFramer.appendFrame(simple(20_000), compressed: false, to: &prefix)
        let holding = try d.callRaw(Self.upload.path, body: Array(prefix[0..<100]), end: false)
        try d.pump()
        XCTAssertGreaterThanOrEqual(budget.inUse, 20_000)
        let refused = try d.call(Self.upload.path, [simple(20_000)])
        try await d.pump { d.closed(refused) }
        XCTAssertEqual(d.status(refused)?.code, RPCStatusCode.resourceExhausted.rawValue)
        XCTAssertTrue(d.status(refused)?.message.contains("server.uploadMemoryBudget") ?? false)
        // Small messages never touch the budget.
        let small = try d.call(Self.upload.path, [simple(10)])
        try await d.pump { d.closed(small) }
        XCTAssertEqual(d.status(small)?.code, 0)
        try d.client.submitData(stream: holding, bytes: Array(prefix[100...]), endStream: true)
        try await d.pump { d.closed(holding) }
        XCTAssertEqual(d.status(holding)?.code, 0)
        XCTAssertEqual(budget.inUse, 0, "given back when the call ends")
    }

    func testAnOversizedHeaderListIsResourceExhaustedAndTheConnectionServesOn() async throws {
        let d = try SessionDriver(router: router(uploadLimit: 1 << 20), http2: HTTP2Settings(maxHeaderListSize: 16 * 1024))
        d.byteByByte = false
        let big = try d.call(Self.unary.path, [simple(1)], extra: [("x-big", String(repeating: "a", count: 20_000))])
        try await d.pump { d.closed(big) }
        XCTAssertEqual(d.status(big)?.code, RPCStatusCode.resourceExhausted.rawValue)
        XCTAssertTrue(d.status(big)?.message.contains("16384") ?? false)
        let next = try d.call(Self.unary.path, [simple(1)])
        try await d.pump { d.closed(next) }
        XCTAssertEqual(d.status(next)?.code, 0)
    }

    func testAnUnknownMethodNameIsEchoedTruncated() async throws {
        let d = try SessionDriver(router: router(uploadLimit: 1 << 20))
        d.byteByByte = false
        let name = String(repeating: "x", count: 8000)
        let id = try d.call("/grpc.testing.TestService/\(name)", [simple(1)])
        let svc = try d.call("/\(name)/Call", [simple(1)])
        try await d.pump { d.closed(id) && d.closed(svc) }
        for s in [id, svc] {
            XCTAssertEqual(d.status(s)?.code, RPCStatusCode.unimplemented.rawValue)
            let text = d.status(s)?.message ?? ""
            XCTAssertLessThan(text.utf8.count, 300, text)
            XCTAssertTrue(text.contains("8000 bytes"), text)
        }
    }
}
