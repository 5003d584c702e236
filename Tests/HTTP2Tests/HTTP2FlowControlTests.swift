import HTTP2
import XCTest

final class HTTP2FlowControlTests: XCTestCase {
    func testFiveMebibyteResponseFlowsAndDrains() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: true)
        try pair.pump()
        let size = 5 << 20
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 13)) }
        try pair.server.submitHeaders(stream: stream, headers: HTTP2Pair.responseHeaders, endStream: false)
        for start in stride(from: 0, to: size, by: 256 * 1024) {
            try pair.server.submitData(stream: stream, bytes: Array(body[start..<(start + 256 * 1024)]), endStream: false)
        }
        try pair.server.submitTrailers(stream: stream, headers: HTTP2Pair.trailers)
        XCTAssertEqual(pair.server.queuedOutboundBytes(stream: stream), size)

        // Until the client acknowledges, the 1 MiB stream window holds the rest back.
        var firstFlight: [UInt8] = []
        try pair.server.send(into: &firstFlight)
        let held = pair.server.queuedOutboundBytes(stream: stream)
        XCTAssertEqual(held, size - (1 << 20))
        XCTAssertFalse(pair.server.takeEvents().contains(.outboundDrained(stream: stream)))
        try pair.deliver(firstFlight, to: pair.client)

        try pair.pump()
        XCTAssertEqual(pair.server.queuedOutboundBytes(stream: stream), 0)
        XCTAssertTrue(pair.serverEvents.contains(.outboundDrained(stream: stream)))
        XCTAssertEqual(pair.clientEvents.bytes(on: stream).count, size)
        XCTAssertTrue(pair.clientEvents.bytes(on: stream) == body)
        XCTAssertEqual(pair.clientEvents.last, .streamClosed(stream: stream, errorCode: 0))
    }

    func testDrainedIsReportedEachTimeTheQueueEmpties() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
        for round in 0..<3 {
            try pair.client.submitData(stream: stream, bytes: [UInt8](repeating: UInt8(round), count: 1000), endStream: false)
            XCTAssertEqual(pair.client.queuedOutboundBytes(stream: stream), 1000)
            try pair.pump()
            XCTAssertEqual(pair.client.queuedOutboundBytes(stream: stream), 0)
        }
        XCTAssertEqual(pair.clientEvents.filter { $0 == .outboundDrained(stream: stream) }.count, 3)
        XCTAssertEqual(pair.serverEvents.bytes(on: stream).count, 3000)
    }
}
