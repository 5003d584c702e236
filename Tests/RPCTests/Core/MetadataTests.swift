import XCTest
import HTTP2
@testable import RPC

final class MetadataTests: XCTestCase {
    func testKeysAreLowerCasedAndOrderKept() {
        var m = Metadata()
        m.add("X-One", "1")
        m.add("x-two", "2")
        m.add("X-ONE", "3")
        XCTAssertEqual(m.entries.map(\.key), ["x-one", "x-two", "x-one"])
        XCTAssertEqual(m.first("x-One"), "1")
        XCTAssertEqual(m["X-ONE"], [.string("1"), .string("3")])
    }

    func testBinaryValuesAreBase64OnTheWireAndBack() {
        var m = Metadata()
        let bytes: [UInt8] = [0, 1, 2, 0xFE, 0xFF]
        m.add("trace-bin", binary: bytes)
        var headers: [HTTP2Header] = []
        m.appendHeaders(to: &headers)
        XCTAssertEqual(headers, [HTTP2Header(name: "trace-bin", value: "AAEC/v8")])  // unpadded
        XCTAssertEqual(Metadata(headers: headers).firstBinary("trace-bin"), bytes)
    }

    func testBinaryDecodingAcceptsPaddingAndURLSafeAndDropsGarbage() {
        let m = Metadata(headers: [HTTP2Header(name: "a-bin", value: "AAEC/v8="), HTTP2Header(name: "b-bin", value: "AAEC_v8"),
                                   HTTP2Header(name: "c-bin", value: "not base64!")])
        XCTAssertEqual(m.firstBinary("a-bin"), [0, 1, 2, 0xFE, 0xFF])
        XCTAssertEqual(m.firstBinary("b-bin"), [0, 1, 2, 0xFE, 0xFF])
        XCTAssertNil(m.firstBinary("c-bin"))
        XCTAssertEqual(m.entries.count, 2)
    }

    func testBase64RoundTripsEveryLength() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes, "length \(n)")
        }
    }

    func testReservedHeadersAreNotMetadata() {
        let reserved = [":path", ":status", "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
                        "grpc-status", "grpc-message", "grpc-status-details-bin", "content-length", "host"]
        let headers = reserved.map { HTTP2Header(name: $0, value: "x") } + [HTTP2Header(name: "user-key", value: "v")]
        let m = Metadata(headers: headers)
        XCTAssertEqual(m.entries.map(\.key), ["user-key"])
        for name in reserved + ["connection", "accept-encoding"] { XCTAssertTrue(Metadata.isReserved(name), name) }
        // Names that share a first byte with reserved ones (the fast path) are still metadata.
        for name in ["", "a", "authorization", "custom-key", "grpc-foo", "host-id", "trace-id", "user-agent", "x-te"] {
            XCTAssertFalse(Metadata.isReserved(name), name)
        }

        var out = Metadata()
        out.add("grpc-status", "0")
        out.add("content-type", "text/html")
        out.add("ok-key", "v")
        var sent: [HTTP2Header] = []
        out.appendHeaders(to: &sent)
        XCTAssertEqual(sent.map(\.name), ["ok-key"])
    }

    func testKeysAreLowerCasedOnceAndLookedUpInAnyCase() {
        var m = Metadata()
        m.add("X-Mixed-Key", "v1")
        m.add("plain-key", "v2")
        m.add("Data-Bin", binary: [1, 2])
        XCTAssertEqual(m.entries.map(\.key), ["x-mixed-key", "plain-key", "data-bin"])
        XCTAssertEqual(m.first("X-MIXED-KEY"), "v1")
        XCTAssertEqual(m.first("plain-key"), "v2")
        XCTAssertEqual(m.firstBinary("DATA-bin"), [1, 2])
        XCTAssertEqual(m["Plain-Key"], [.string("v2")])
        XCTAssertNil(m.first("missing"))
    }
}
