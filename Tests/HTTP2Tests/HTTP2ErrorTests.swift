import HTTP2
import XCTest

final class HTTP2ErrorTests: XCTestCase {
    /// True if `bytes` (server output) holds a GOAWAY frame with `errorCode`.
    func containsGoAway(_ bytes: [UInt8], errorCode: UInt32) -> Bool {
        var index = 0
        while index + 9 <= bytes.count {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            if bytes[index + 3] == 7, index + 17 <= bytes.count {
                let code = bytes[(index + 13)..<(index + 17)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                if code == errorCode { return true }
            }
            index += 9 + length
        }
        return false
    }

    func testGarbagePrefaceThrowsAndQueuesGoAway() throws {
        let server = try HTTP2Session(role: .server)
        let garbage = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        XCTAssertThrowsError(try garbage.withUnsafeBytes { try server.receive($0) }) { error in
            XCTAssertTrue("\(error)".contains("HTTP/2 connection error"), "\(error)")
        }
        var out: [UInt8] = []
        try server.send(into: &out)
        XCTAssertTrue(containsGoAway(out, errorCode: 1), "GOAWAY(PROTOCOL_ERROR) is queued")
        XCTAssertFalse(server.wantsRead)
        XCTAssertThrowsError(try [0].withUnsafeBytes { try server.receive($0) })
    }

    func testOversizedFrameLengthThrows() throws {
        let pair = try HTTP2Pair()
        try pair.pump()
        // A DATA frame header claiming 0xFFFFFF bytes on stream 1.
        let header: [UInt8] = [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
        XCTAssertThrowsError(try header.withUnsafeBytes { try pair.server.receive($0) }) { error in
            let http2 = error as? HTTP2Error
            XCTAssertEqual(http2?.errorCode, 6, "FRAME_SIZE_ERROR: \(error)")
            XCTAssertTrue("\(error)".contains("too large frame size"), "\(error)")
        }
        var out: [UInt8] = []
        try pair.server.send(into: &out)
        XCTAssertTrue(containsGoAway(out, errorCode: 6))
    }

    func testClientResetReachesServerWithErrorCode() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
        try pair.pump()
        try pair.server.submitHeaders(stream: stream, headers: HTTP2Pair.responseHeaders, endStream: false)
        try pair.server.submitData(stream: stream, bytes: [1, 2, 3], endStream: false)
        try pair.client.resetStream(stream, errorCode: 8)
        try pair.pump()
        XCTAssertEqual(pair.serverEvents.closeCode(of: stream), 8)
        XCTAssertEqual(pair.clientEvents.closeCode(of: stream), 8)
        XCTAssertEqual(pair.server.queuedOutboundBytes(stream: stream), 0, "per-stream state is freed")
        XCTAssertThrowsError(try pair.server.submitData(stream: stream, bytes: [4], endStream: false))
    }

    func testGoAwayReachesPeer() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: true)
        try pair.pump()
        try pair.server.submitGoAway(errorCode: 0)
        try pair.pump()
        XCTAssertTrue(pair.clientEvents.contains(.goAway(lastStreamID: stream, errorCode: 0)))
        // The stream GOAWAY let through still completes.
        try pair.server.submitHeaders(stream: stream, headers: HTTP2Pair.responseHeaders + HTTP2Pair.trailers, endStream: true)
        try pair.pump()
        XCTAssertEqual(pair.clientEvents.closeCode(of: stream), 0)
        XCTAssertFalse(pair.server.wantsRead)
        XCTAssertFalse(pair.client.wantsRead)
    }

    func testInvalidRequestHeaderResetsOnlyThatStream() throws {
        let pair = try HTTP2Pair()
        let bad = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders + [HTTP2Header(name: "connection", value: "close")],
                                                endStream: true)
        let good = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: true)
        try pair.pump()
        XCTAssertEqual(pair.clientEvents.closeCode(of: bad), 1, "PROTOCOL_ERROR")
        XCTAssertEqual(pair.serverEvents.closeCode(of: bad), 1, "the server's nghttp2 refused it, not the app")
        XCTAssertEqual(pair.serverEvents.filter { if case .headers = $0 { true } else { false } },
                       [.headers(stream: good, headers: HTTP2Pair.requestHeaders, endStream: true)])
    }

    func testOversizedHeaderListIsReportedNotReset() throws {
        let pair = try HTTP2Pair(settings: HTTP2Settings(maxHeaderListSize: 1024))
        let big = try pair.client.submitRequest(
            headers: HTTP2Pair.requestHeaders + [HTTP2Header(name: "x-big", value: String(repeating: "a", count: 2000))],
            endStream: true)
        try pair.pump()
        XCTAssertTrue(pair.serverEvents.allSatisfy { if case .headers = $0 { false } else { true } })
        let reported = pair.serverEvents.contains {
            if case .headerListTooLarge(let s, let size, let limit) = $0 { return s == big && size > 2000 && limit == 1024 }
            return false
        }
        XCTAssertTrue(reported, "the application hears of the oversized block so it can answer with a status")
        XCTAssertNil(pair.clientEvents.closeCode(of: big), "nghttp2 itself does not reset the stream")
        // HPACK state survived: a normal request on the same connection still decodes.
        let good = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: true)
        try pair.pump()
        XCTAssertTrue(pair.serverEvents.contains(.headers(stream: good, headers: HTTP2Pair.requestHeaders, endStream: true)))
        XCTAssertTrue(pair.server.wantsRead, "the connection stays up")
    }
}
