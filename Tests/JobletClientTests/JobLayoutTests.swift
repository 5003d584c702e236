import XCTest
import JobletAPI
@testable import JobletClient

/// rnx's `job` group, coloured statuses and one time zone, as pure functions.
final class JobLayoutTests: XCTestCase {
    func testGlobalFlagsGoBehindTheJobGroupsLeafCommand() {
        XCTAssertEqual(RnxArguments.normalize(["--server", "h:1", "job", "list", "--json"]),
                       ["job", "list", "--server", "h:1", "--json"])
        XCTAssertEqual(RnxArguments.normalize(["job", "log", "--follow=false", "abc"]), ["job", "log", "--no-follow", "abc"])
        XCTAssertEqual(RnxArguments.normalize(["job", "--help"]), ["job", "--help"])
    }

    func testStatusColourAndItsWidth() {
        let red = StatusColor.paint("FAILED", enabled: true)
        XCTAssertEqual(red, "\u{1B}[31mFAILED\u{1B}[0m")
        XCTAssertEqual(StatusColor.visibleWidth(red), 6)
        XCTAssertEqual(StatusColor.paint("FAILED", enabled: false), "FAILED")
        XCTAssertTrue(StatusColor.wanted(isTerminal: true, environment: [:]))
        XCTAssertFalse(StatusColor.wanted(isTerminal: true, environment: ["NO_COLOR": "1"]))
        XCTAssertFalse(StatusColor.wanted(isTerminal: false, environment: [:]))
    }

    func testColouredTableStaysAligned() {
        var a = Joblet_Job(); a.uuid = "aaaaaaaa-1"; a.status = "COMPLETED"; a.command = "true"
        var b = Joblet_Job(); b.uuid = "bbbbbbbb-2"; b.status = "FAILED"; b.command = "false"
        let plain = JobTable.render([a, b], color: false)
        let coloured = JobTable.render([a, b], color: true)
        let stripped = coloured.replacingOccurrences(of: "\u{1B}[32m", with: "").replacingOccurrences(of: "\u{1B}[31m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "")
        XCTAssertEqual(stripped, plain)
    }

    func testStatusShowsTimesInTheListsTimeZone() throws {
        var s = Joblet_GetJobStatusRes()
        s.uuid = "x"; s.status = "COMPLETED"; s.startTime = "2026-01-02T03:04:05Z"; s.endTime = ""
        let tokyo = try XCTUnwrap(TimeZone(identifier: "Asia/Tokyo"))
        let text = JobReport.status(s, timeZone: tokyo)
        XCTAssertTrue(text.contains("2026-01-02 12:04:05"), text)
        XCTAssertTrue(text.contains(JobTable.localTime("2026-01-02T03:04:05Z", timeZone: tokyo)))
    }
}
