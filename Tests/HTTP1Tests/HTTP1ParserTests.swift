import HTTP1
import XCTest

final class HTTP1ParserTests: XCTestCase {
    /// Feeds `text` in pieces of `step` bytes (every split point when 1) and collects the events,
    /// merging body chunks so that different splits compare equal.
    private func parse(_ text: String, step: Int = 1 << 20, method: String = "GET", eof: Bool = false,
                       maxHead: Int = 64 * 1024) throws -> (head: HTTP1ResponseHead?, body: String, ended: Bool) {
        var parser = HTTP1ResponseParser(requestMethod: method, maxHeadBytes: maxHead)
        var events: [HTTP1ParseEvent] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let end = min(i + step, bytes.count)
            try bytes[i..<end].withUnsafeBytes { try parser.feed($0, into: &events) }
            i = end
        }
        if eof { try parser.finish(into: &events) }
        var head: HTTP1ResponseHead?
        var body: [UInt8] = []
        var ended = false
        for event in events {
            switch event {
            case .head(let h):
                XCTAssertNil(head, "two heads")
                head = h
            case .body(let b):
                XCTAssertFalse(ended, "body after end")
                body += b
            case .end:
                XCTAssertFalse(ended, "two ends")
                ended = true
            }
        }
        return (head, String(decoding: body, as: UTF8.self), ended)
    }

    func testContentLengthBodyAtEverySplit() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nX-Skypilot-Request-ID: abc\r\n\r\n{\"ok\": true}\n"
        for step in [1, 2, 3, 7, 1000] {
            let r = try parse(text, step: step)
            XCTAssertEqual(r.head?.status, 200)
            XCTAssertEqual(r.head?.reason, "OK")
            XCTAssertEqual(r.head?.headers.first(name: "x-skypilot-request-id"), "abc")
            XCTAssertEqual(r.body, "{\"ok\": true}\n")
            XCTAssertTrue(r.ended, "step \(step)")
        }
    }

    func testChunkedBodyWithExtensionsAndTrailersAtEverySplit() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1\r\n \r\n6\r\nworld\n\r\n0\r\nX-Trailer: yes\r\n\r\n"
        for step in [1, 2, 5, 1000] {
            let r = try parse(text, step: step)
            XCTAssertEqual(r.body, "hello world\n")
            XCTAssertTrue(r.ended, "step \(step)")
        }
    }

    func testBareLineFeedsAndUppercaseHexAreAccepted() throws {
        let r = try parse("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\nA\n0123456789\n0\n\n")
        XCTAssertEqual(r.body, "0123456789")
        XCTAssertTrue(r.ended)
    }

    func testBodyUntilCloseEndsOnlyAtEOF() throws {
        let open = try parse("HTTP/1.0 200 OK\r\n\r\npartial")
        XCTAssertEqual(open.body, "partial")
        XCTAssertFalse(open.ended)
        let closed = try parse("HTTP/1.0 200 OK\r\n\r\nall of it", eof: true)
        XCTAssertEqual(closed.body, "all of it")
        XCTAssertTrue(closed.ended)
    }

    func testNoBodyForHeadRequests204And304() throws {
        let head = try parse("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", method: "HEAD")
        XCTAssertTrue(head.ended)
        XCTAssertEqual(head.body, "")
        XCTAssertTrue(try parse("HTTP/1.1 204 No Content\r\n\r\n").ended)
        XCTAssertTrue(try parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").ended)
    }

    func testInterimResponsesAreSkipped() throws {
        let r = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
        XCTAssertEqual(r.head?.status, 503)
        XCTAssertEqual(r.head?.headers.first(name: "link"), nil)
        XCTAssertEqual(r.body, "busy")
    }

    func testEmptyReasonAndRepeatedEqualContentLengths() throws {
        let r = try parse("HTTP/1.1 404\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nno")
        XCTAssertEqual(r.head?.status, 404)
        XCTAssertEqual(r.head?.reason, "")
        XCTAssertEqual(r.body, "no")
    }

    func testBytesAfterTheResponseAreIgnored() throws {
        let r = try parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")
        XCTAssertEqual(r.body, "ok")
        XCTAssertTrue(r.ended)
    }

    func testMalformedResponsesAreRefused() {
        let bad: [(String, String)] = [
            ("SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
            ("HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"),
            ("HTTP/1.1 2x0 OK\r\n\r\n", "not an HTTP/1.x status line"),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
            ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed header name"),
            ("HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n", "folding"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n", "invalid chunk size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", "not followed by CRLF"),
        ]
        for (text, expected) in bad {
            XCTAssertThrowsError(try parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }

    func testHeadLimit() {
        let big = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 2000) + "\r\n\r\n"
        XCTAssertThrowsError(try parse(big, maxHead: 1024)) { XCTAssertTrue("\($0)".contains("larger than 1024 bytes")) }
        XCTAssertNoThrow(try parse(big, maxHead: 4096))
    }

    func testEOFInTheMiddleIsAnError() {
        XCTAssertThrowsError(try parse("", eof: true)) { XCTAssertTrue("\($0)".contains("without answering")) }
        XCTAssertThrowsError(try parse("HTTP/1.1 200 OK\r\nContent-Le", eof: true)) { XCTAssertTrue("\($0)".contains("middle")) }
        XCTAssertThrowsError(try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", eof: true))
        XCTAssertThrowsError(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", eof: true))
    }

    /// Random bytes and random cuts of a valid response never trap: an error or events, nothing else.
    func testRandomInputNeverTraps() {
        var rng = SystemRandomNumberGenerator()
        let valid = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            var parser = HTTP1ResponseParser(requestMethod: "GET")
            var events: [HTTP1ParseEvent] = []
            _ = try? bytes.withUnsafeBytes { try parser.feed($0, into: &events) }
            _ = try? parser.finish(into: &events)
        }
    }
}

final class HTTP1RequestTests: XCTestCase {
    func testSerialization() throws {
        var request = HTTP1Request(method: "POST", target: "/jobs/launch?x=1")
        request.headers = [HTTP1Header(name: "Content-Type", value: "application/json"),
                           HTTP1Header(name: "Host", value: "ignored"), HTTP1Header(name: "Connection", value: "keep-alive")]
        request.body = Array("{}".utf8)
        let text = String(decoding: try request.serialized(host: "127.0.0.1:46580"), as: UTF8.self)
        XCTAssertEqual(text, "POST /jobs/launch?x=1 HTTP/1.1\r\nHost: 127.0.0.1:46580\r\nContent-Type: application/json\r\n"
                           + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        let get = String(decoding: try HTTP1Request(method: "GET", target: "/api/health").serialized(host: "h"), as: UTF8.self)
        XCTAssertEqual(get, "GET /api/health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    }

    func testHeaderInjectionIsRefused() {
        let cases: [HTTP1Request] = [
            HTTP1Request(method: "GET", target: "/a", headers: [HTTP1Header(name: "X", value: "1\r\nEvil: yes")]),
            HTTP1Request(method: "GET", target: "/a", headers: [HTTP1Header(name: "X:Y", value: "1")]),
            HTTP1Request(method: "GET", target: "/a b"),
            HTTP1Request(method: "GET", target: "relative"),
            HTTP1Request(method: "G ET", target: "/"),
        ]
        for request in cases {
            XCTAssertThrowsError(try request.serialized(host: "h"), "\(request)")
        }
        XCTAssertThrowsError(try HTTP1Request(method: "GET", target: "/").serialized(host: "h\r\nX: y"))
    }
}
