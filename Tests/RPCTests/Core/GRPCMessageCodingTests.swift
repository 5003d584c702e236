import XCTest
@testable import RPC

final class GRPCMessageCodingTests: XCTestCase {
    func testPrintableASCIIPassesThroughButPercentIsEscaped() {
        XCTAssertEqual(GRPCMessageCoding.encode("job not found: f47ac10b"), "job not found: f47ac10b")
        XCTAssertEqual(GRPCMessageCoding.encode("100%"), "100%25")
        XCTAssertEqual(GRPCMessageCoding.encode("a\nb\tc"), "a%0Ab%09c")
    }

    func testUnicodeIncludingNonBMPRoundTrips() {
        let message = "héllo 世界 🚀 𝄞 end"
        let encoded = GRPCMessageCoding.encode(message)
        XCTAssertTrue(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        XCTAssertTrue(encoded.contains("%F0%9F%9A%80"))  // U+1F680, four UTF-8 bytes
        XCTAssertEqual(GRPCMessageCoding.decode(encoded), message)
    }

    func testDecodeAcceptsLowerCaseHex() {
        XCTAssertEqual(GRPCMessageCoding.decode("%e4%b8%96"), "世")
    }

    func testMalformedEscapesAreKeptAsTheyAre() {
        XCTAssertEqual(GRPCMessageCoding.decode("50%"), "50%")
        XCTAssertEqual(GRPCMessageCoding.decode("%4"), "%4")
        XCTAssertEqual(GRPCMessageCoding.decode("%zz ok"), "%zz ok")
        XCTAssertEqual(GRPCMessageCoding.decode("%%41"), "%A")
        // An escape yielding invalid UTF-8 decodes leniently (replacement character), never traps.
        XCTAssertEqual(GRPCMessageCoding.decode("a%FFb"), "a\u{FFFD}b")
    }
}
