import XCTest
@testable import RPC

final class GRPCTimeoutTests: XCTestCase {
    func testParsesEveryUnit() {
        XCTAssertEqual(GRPCTimeout.parse("2H"), .seconds(7200))
        XCTAssertEqual(GRPCTimeout.parse("3M"), .seconds(180))
        XCTAssertEqual(GRPCTimeout.parse("4S"), .seconds(4))
        XCTAssertEqual(GRPCTimeout.parse("5m"), .milliseconds(5))
        XCTAssertEqual(GRPCTimeout.parse("6u"), .microseconds(6))
        XCTAssertEqual(GRPCTimeout.parse("7n"), .nanoseconds(7))
        XCTAssertEqual(GRPCTimeout.parse("99999999S"), .seconds(99_999_999))
        XCTAssertEqual(GRPCTimeout.parse("0m"), .zero)
    }

    func testRejectsMalformedValues() {
        for bad in ["", "S", "10", "1x", "1s", "-1S", "1.5S", " 1S", "123456789S", "1 S", "１S"] {
            XCTAssertNil(GRPCTimeout.parse(bad), bad)
        }
    }

    func testEncodesWithTheFinestUnitThatFitsEightDigits() {
        XCTAssertEqual(GRPCTimeout.encode(.nanoseconds(50)), "50n")
        XCTAssertEqual(GRPCTimeout.encode(.milliseconds(250)), "250000u")
        XCTAssertEqual(GRPCTimeout.encode(.seconds(30)), "30000000u")
        XCTAssertEqual(GRPCTimeout.encode(.seconds(1000)), "1000000m")
        XCTAssertEqual(GRPCTimeout.encode(.seconds(200_000)), "200000S")
        XCTAssertEqual(GRPCTimeout.encode(.seconds(100_000_000)), "27777H")
        XCTAssertEqual(GRPCTimeout.encode(.seconds(-5)), "0n")
    }

    func testEncodeThenParseKeepsTheDurationWithinItsUnit() {
        for d: Duration in [.nanoseconds(1), .microseconds(1234), .milliseconds(99), .seconds(5), .seconds(86_400)] {
            let parsed = GRPCTimeout.parse(GRPCTimeout.encode(d))!
            XCTAssertLessThanOrEqual(parsed, d)
            XCTAssertGreaterThan(parsed, d * 0.999)
        }
    }
}
