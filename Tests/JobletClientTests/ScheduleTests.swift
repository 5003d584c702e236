import Foundation
import XCTest
@testable import JobletClient

final class ScheduleTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_750_000_000)   // 2025-06-15T15:06:40Z

    func testRelativeFormsBecomeRFC3339InUTC() throws {
        XCTAssertEqual(try Schedule.resolve("in 5m", now: now), "2025-06-15T15:11:40Z")
        XCTAssertEqual(try Schedule.resolve("+10s", now: now), "2025-06-15T15:06:50Z")
        XCTAssertEqual(try Schedule.resolve("in 1h30m", now: now), "2025-06-15T16:36:40Z")
        XCTAssertEqual(try Schedule.resolve("in 2 hours", now: now), "2025-06-15T17:06:40Z")
        XCTAssertEqual(try Schedule.resolve("IN 1 day", now: now), "2025-06-16T15:06:40Z")
        XCTAssertEqual(try Schedule.resolve("90s", now: now), "2025-06-15T15:08:10Z")
        XCTAssertEqual(try Schedule.resolve("+1.5m", now: now), "2025-06-15T15:08:10Z")
        // Sub-second offsets round up, never into the past.
        XCTAssertEqual(try Schedule.resolve("+500ms", now: now), "2025-06-15T15:06:41Z")
    }

    func testRFC3339PassesThrough() throws {
        XCTAssertEqual(try Schedule.resolve("2025-07-01T10:00:00Z", now: now), "2025-07-01T10:00:00Z")
        XCTAssertEqual(try Schedule.resolve("2025-07-01T10:00:00+02:00", now: now), "2025-07-01T10:00:00+02:00")
        XCTAssertEqual(try Schedule.resolve("2025-07-01T10:00:00.250Z", now: now), "2025-07-01T10:00:00.250Z")
    }

    func testNonsenseIsRefusedWithTheAcceptedForms() {
        for bad in ["", "in", "tomorrow", "in 5 fortnights", "+", "in -5m", "5", "2025-13-01T00:00:00Z", "in 0s"] {
            XCTAssertThrowsError(try Schedule.resolve(bad, now: now), bad) {
                XCTAssertTrue("\($0)".hasPrefix("bad --schedule '\(bad)': expected an RFC3339 time"), "\($0)")
            }
        }
    }
}
