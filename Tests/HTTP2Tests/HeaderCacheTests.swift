import XCTest
@testable import HTTP2

final class HeaderCacheTests: XCTestCase {
    private func header(_ cache: inout HeaderCache, _ name: String, _ value: String) -> HTTP2Header {
        let n = Array(name.utf8), v = Array(value.utf8)
        return n.withUnsafeBufferPointer { nb in v.withUnsafeBufferPointer { vb in cache.header(name: nb, value: vb) } }
    }

    func testRepeatedFieldsComeBackEqualAndDifferentOnesDoNot() {
        var cache = HeaderCache()
        XCTAssertEqual(header(&cache, ":path", "/grpc.testing.TestService/UnaryCall"),
                       HTTP2Header(name: ":path", value: "/grpc.testing.TestService/UnaryCall"))
        XCTAssertEqual(header(&cache, ":path", "/grpc.testing.TestService/UnaryCall").value, "/grpc.testing.TestService/UnaryCall")
        XCTAssertEqual(header(&cache, ":path", "/grpc.testing.TestService/UnaryCalm").value, "/grpc.testing.TestService/UnaryCalm")
        XCTAssertEqual(header(&cache, ":path", "/x").value, "/x")
        XCTAssertEqual(header(&cache, "x-empty", ""), HTTP2Header(name: "x-empty", value: ""))
        XCTAssertEqual(header(&cache, "x-empty", "v"), HTTP2Header(name: "x-empty", value: "v"))
        XCTAssertEqual(header(&cache, "grüße", "wert-ä"), HTTP2Header(name: "grüße", value: "wert-ä"))
    }

    func testMoreDistinctFieldsThanEntriesStayCorrect() {
        var cache = HeaderCache()
        for round in 0..<3 {
            for i in 0..<40 {
                XCTAssertEqual(header(&cache, "x-k\(i % 7)", "value-\(i)"), HTTP2Header(name: "x-k\(i % 7)", value: "value-\(i)"),
                               "round \(round), field \(i)")
            }
        }
    }
}
