import HTTP2
import XCTest

final class HTTP2ExchangeTests: XCTestCase {
    func testRequestHeadersReachServer() throws {
        for byteByByte in [false, true] {
            let pair = try HTTP2Pair()
            pair.byteByByte = byteByByte
            let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: true)
            XCTAssertEqual(stream, 1)
            try pair.pump()
            XCTAssertEqual(pair.serverEvents, [.headers(stream: 1, headers: HTTP2Pair.requestHeaders, endStream: true)])
        }
    }

    func testResponseHeadersDataAndTrailersArriveInOrder() throws {
        for byteByByte in [false, true] {
            let pair = try HTTP2Pair()
            pair.byteByByte = byteByByte
            let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
            try pair.client.submitData(stream: stream, bytes: [0, 0, 0, 0, 2, 8, 1], endStream: true)
            try pair.pump()
            XCTAssertEqual(pair.serverEvents.bytes(on: stream), [0, 0, 0, 0, 2, 8, 1])

            try pair.server.submitHeaders(stream: stream, headers: HTTP2Pair.responseHeaders, endStream: false)
            for chunk in [[1, 2, 3], [4, 5], [6]] as [[UInt8]] {
                try pair.server.submitData(stream: stream, bytes: chunk, endStream: false)
                try pair.pump()
            }
            try pair.server.submitTrailers(stream: stream, headers: HTTP2Pair.trailers)
            try pair.pump()
            // (The client's own outboundDrained, for its request body, is not part of the response.)
            let received = pair.clientEvents.filter { $0 != .outboundDrained(stream: stream) }
            XCTAssertEqual(received, [
                .headers(stream: stream, headers: HTTP2Pair.responseHeaders, endStream: false),
                .data(stream: stream, bytes: [1, 2, 3], endStream: false),
                .data(stream: stream, bytes: [4, 5], endStream: false),
                .data(stream: stream, bytes: [6], endStream: false),
                .headers(stream: stream, headers: HTTP2Pair.trailers, endStream: true),
                .streamClosed(stream: stream, errorCode: 0),
            ], "byteByByte \(byteByByte)")
            XCTAssertEqual(pair.serverEvents.closeCode(of: stream), 0)
            XCTAssertEqual(pair.server.queuedOutboundBytes(stream: stream), 0)
        }
    }

    func testTrailersOnlyResponse() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: true)
        try pair.pump()
        try pair.server.submitHeaders(stream: stream, headers: HTTP2Pair.responseHeaders + HTTP2Pair.trailers, endStream: true)
        try pair.pump()
        XCTAssertEqual(pair.clientEvents, [
            .headers(stream: stream, headers: HTTP2Pair.responseHeaders + HTTP2Pair.trailers, endStream: true),
            .streamClosed(stream: stream, errorCode: 0),
        ])
    }

    func testDataAfterEndIsRefused() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
        try pair.client.submitData(stream: stream, bytes: [1], endStream: true)
        XCTAssertThrowsError(try pair.client.submitData(stream: stream, bytes: [2], endStream: false))
        XCTAssertThrowsError(try pair.server.submitData(stream: 99, bytes: [2], endStream: false))
    }

    func testHundredConcurrentStreams() throws {
        let pair = try HTTP2Pair()
        var streams: [HTTP2StreamID] = []
        for index in 0..<100 {
            let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
            try pair.client.submitData(stream: stream, bytes: Array("request \(index)".utf8), endStream: true)
            streams.append(stream)
        }
        try pair.pump()
        let opened = pair.serverEvents.compactMap { event -> HTTP2StreamID? in
            if case let .headers(stream, _, _) = event { return stream } else { return nil }
        }
        XCTAssertEqual(opened, streams)
        for (index, stream) in streams.enumerated() {
            XCTAssertEqual(pair.serverEvents.bytes(on: stream), Array("request \(index)".utf8))
            try pair.server.submitHeaders(stream: stream, headers: HTTP2Pair.responseHeaders, endStream: false)
            try pair.server.submitData(stream: stream, bytes: Array("response \(index)".utf8), endStream: false)
            try pair.server.submitTrailers(stream: stream, headers: HTTP2Pair.trailers)
        }
        try pair.pump()
        for (index, stream) in streams.enumerated() {
            XCTAssertEqual(pair.clientEvents.bytes(on: stream), Array("response \(index)".utf8))
            XCTAssertEqual(pair.clientEvents.closeCode(of: stream), 0)
        }
    }

    func testPingIsAnsweredAndClosesNothing() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
        try pair.pump()
        for _ in 0..<10 {
            try pair.client.submitPing()
            try pair.server.submitPing()
            try pair.pump()
        }
        XCTAssertTrue(pair.client.wantsRead)
        XCTAssertTrue(pair.server.wantsRead)
        XCTAssertNil(pair.serverEvents.closeCode(of: stream))
        try pair.client.submitData(stream: stream, bytes: [7], endStream: true)
        try pair.pump()
        XCTAssertEqual(pair.serverEvents.bytes(on: stream), [7])
    }
}
