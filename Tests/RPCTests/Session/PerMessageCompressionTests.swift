import XCTest
import HTTP2
import JobletAPI
import ProtoWire
@testable import RPC

/// The compressed flag belongs to each message, both ways (gRPC interop's
/// client_compressed_streaming and server_compressed_streaming).
final class PerMessageCompressionTests: XCTestCase {
    static let inputPath = Grpc_Testing_TestService.Method.streamingInputCall.path
    static let outputPath = Grpc_Testing_TestService.Method.streamingOutputCall.path

    private func input(_ n: Int) -> [UInt8] {
        var req = Grpc_Testing_StreamingInputCallRequest()
        req.payload = Grpc_Testing_Payload()
        req.payload?.body = [UInt8](repeating: 0, count: n)
        return req.serializedBytes()
    }

    /// A client-streaming handler that records each message's flag as it receives it.
    private func recordingRouter(_ flags: FlagLog) -> RPCRouter {
        let router = RPCRouter()
        router.clientStreaming(Grpc_Testing_TestService.Method.streamingInputCall,
                               Grpc_Testing_StreamingInputCallRequest.self) { requests, context in
            for try await _ in requests { flags.append(context.lastRequestWasCompressed) }
            return Grpc_Testing_StreamingInputCallResponse()
        }
        return router
    }

    func testEachRequestMessageKeepsItsFlagWhenBothArriveInOneRead() async throws {
        for order in [[true, false], [false, true], [true, false, true]] {
            let flags = FlagLog()
            let d = try SessionDriver(router: recordingRouter(flags))
            d.byteByByte = false
            var body: [UInt8] = []
            for compressed in order {
                let message = input(1000)
                MessageFramer.appendFrame(compressed ? try Gzip.compress(message) : message, compressed: compressed, to: &body)
            }
            let id = try d.callRaw(Self.inputPath, body: body, extra: [("grpc-encoding", "gzip")])
            try await d.pump { d.closed(id) }
            XCTAssertEqual(d.status(id)?.code, 0, "\(order)")
            XCTAssertEqual(flags.values, order)
        }
    }

    /// A server-streaming handler that compresses exactly the messages `pattern` says.
    private func patternRouter(_ pattern: [Bool], allowCompression: Bool = true) -> RPCRouter {
        let router = RPCRouter()
        router.serverStreaming(Grpc_Testing_TestService.Method.streamingOutputCall,
                               Grpc_Testing_StreamingOutputCallRequest.self,
                               Grpc_Testing_StreamingOutputCallResponse.self) { _, stream, context in
            for compressed in pattern {
                context.compressResponses = compressed
                var resp = Grpc_Testing_StreamingOutputCallResponse()
                resp.payload = Grpc_Testing_Payload()
                resp.payload?.body = [UInt8](repeating: 0, count: 2000)
                try await stream.send(resp)
            }
        }
        if allowCompression { router.allowResponseCompression(Grpc_Testing_TestService.Method.streamingOutputCall) }
        return router
    }

    func testResponsesAnnounceGzipUpFrontAndEachMessageCarriesItsOwnFlag() async throws {
        for pattern in [[true, false], [false, true]] {
            let d = try SessionDriver(router: patternRouter(pattern))
            let id = try d.call(Self.outputPath, [Grpc_Testing_StreamingOutputCallRequest().serializedBytes()],
                                extra: [("grpc-accept-encoding", "identity,gzip")])
            try await d.pump { d.closed(id) }
            XCTAssertEqual(d.status(id)?.code, 0)
            let headers = d.headerBlocks(id).first ?? []
            XCTAssertEqual(headers.first { $0.name == "grpc-encoding" }?.value, "gzip",
                           "announced even when the first message is not compressed: \(pattern)")
            let messages = try d.framedResponses(id)
            XCTAssertEqual(messages.map(\.compressed), pattern)
            for m in messages {
                let bytes = m.compressed ? try Gzip.decompress(m.bytes, limit: 1 << 20) : m.bytes
                XCTAssertEqual(try Grpc_Testing_StreamingOutputCallResponse(serializedBytes: bytes).payload?.body.count, 2000)
            }
        }
    }

    func testNoGzipWhenTheClientDoesNotAcceptItOrTheMethodMayNotCompress() async throws {
        for (accept, allowed) in [("identity", true), ("identity,gzip", false)] {
            let d = try SessionDriver(router: patternRouter([true, true], allowCompression: allowed))
            let id = try d.call(Self.outputPath, [Grpc_Testing_StreamingOutputCallRequest().serializedBytes()],
                                extra: [("grpc-accept-encoding", accept)])
            try await d.pump { d.closed(id) }
            XCTAssertNil(d.headerBlocks(id).first?.first { $0.name == "grpc-encoding" })
            XCTAssertEqual(try d.framedResponses(id).map(\.compressed), [false, false])
        }
    }
}

/// Flags a handler appends and a test reads.
final class FlagLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Bool] = []
    func append(_ v: Bool) { lock.withLock { stored.append(v) } }
    var values: [Bool] { lock.withLock { stored } }
}
