import XCTest
@testable import JobletServer

final class MetricsHTTPRouteTests: XCTestCase {
    func route(_ text: String) -> MetricsHTTPRoute { MetricsHTTPRoute.route(Array(text.utf8)) }

    func testRoutes() {
        XCTAssertEqual(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), .metrics(head: false))
        XCTAssertEqual(route("GET /metrics?name[]=x HTTP/1.0\r\n\r\n"), .metrics(head: false))
        XCTAssertEqual(route("HEAD /metrics HTTP/1.1\r\n\r\n"), .metrics(head: true))
        guard case .status(404, _) = route("GET / HTTP/1.1\r\n\r\n") else { return XCTFail() }
        guard case .status(405, _) = route("DELETE /metrics HTTP/1.1\r\n\r\n") else { return XCTFail() }
        guard case .status(400, _) = route("GET /metrics\r\n\r\n") else { return XCTFail() }
        guard case .status(400, _) = route("GET /metrics SPDY/3\r\n\r\n") else { return XCTFail() }
        guard case .status(400, _) = route("") else { return XCTFail() }
    }

    func testHeadEndsAnywhereAndResponsesCloseTheConnection() {
        XCTAssertTrue(MetricsHTTPListener.endsHead(Array("GET / HTTP/1.1\r\n\r\nbody".utf8)))
        XCTAssertFalse(MetricsHTTPListener.endsHead(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)))
        let r = String(decoding: MetricsHTTPRoute.response(code: 405, contentType: "text/plain", body: Array("no\n".utf8)), as: UTF8.self)
        XCTAssertEqual(r, "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\nno\n")
        let head = MetricsHTTPRoute.response(code: 200, contentType: "text/plain", body: Array("x".utf8), includeBody: false)
        XCTAssertTrue(String(decoding: head, as: UTF8.self).hasSuffix("Content-Length: 1\r\nConnection: close\r\n\r\n"))
    }

    func testMetricsAddressFromYAML() throws {
        let path = NSTemporaryDirectory() + "metrics-\(getpid()).yml"
        try "server:\n  metricsAddress: 127.0.0.1:9464\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        var c = DaemonConfiguration()
        XCTAssertNil(c.metricsAddress)
        try c.load(yamlFile: path)
        XCTAssertEqual(c.metricsAddress?.host, "127.0.0.1")
        XCTAssertEqual(c.metricsAddress?.port, 9464)
    }
}
