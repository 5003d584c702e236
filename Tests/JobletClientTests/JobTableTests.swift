import Foundation
import JobletAPI
import XCTest
@testable import JobletClient

final class JobTableTests: XCTestCase {
    private func job(_ id: String, _ name: String, _ status: String, _ start: String, _ end: String,
                     _ command: String, _ args: [String]) -> Joblet_Job {
        var j = Joblet_Job()
        j.uuid = id; j.name = name; j.status = status; j.startTime = start; j.endTime = end
        j.command = command; j.args = args
        return j
    }

    func testAlignedColumnsWithShortIDsDurationsAndQuotedCommands() {
        let jobs = [
            job("f47ac10b-58cc-4372-a567-0e02b2c3d479", "", "COMPLETED", "2025-06-15T10:00:00Z", "2025-06-15T10:00:01.5Z",
                "echo", ["hello world"]),
            job("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "training-run", "RUNNING", "2025-06-15T10:00:00Z", "",
                "python3", ["train.py", "--epochs=3"]),
            job("0b9e2c1a-0000-0000-0000-000000000000", "later", "SCHEDULED", "", "", "sh", ["-c", "it's"]),
        ]
        let now = RFC3339.parse("2025-06-15T11:02:03Z")!
        let text = JobTable.render(jobs, now: now, timeZone: TimeZone(identifier: "UTC")!)
        XCTAssertEqual(text, """
        ID        NAME          STATUS     START                DURATION  COMMAND
        f47ac10b  -             COMPLETED  2025-06-15 10:00:00  1.5s      echo 'hello world'
        6ba7b810  training-run  RUNNING    2025-06-15 10:00:00  1h02m     python3 train.py --epochs=3
        0b9e2c1a  later         SCHEDULED  -                    -         sh -c 'it'\\''s'

        """)
    }

    func testScheduledJobShowsItsTimeAndLongCommandsAreCut() {
        var j = job("abc", "", "SCHEDULED", "", "", "echo", [String(repeating: "x", count: 100)])
        j.scheduledTime = "2025-06-15T12:00:00Z"
        let text = JobTable.render([j], now: Date(), timeZone: TimeZone(identifier: "UTC")!)
        let row = text.split(separator: "\n")[1]
        XCTAssertTrue(row.contains("2025-06-15 12:00:00"), String(row))
        XCTAssertTrue(row.hasSuffix("..."), String(row))
        XCTAssertEqual(row[row.range(of: "echo ")!.lowerBound...].count, JobTable.maxCommandWidth)
    }

    func testDurations() {
        XCTAssertEqual(DurationText.render(0.04), "0.0s")
        XCTAssertEqual(DurationText.render(59.94), "59.9s")
        XCTAssertEqual(DurationText.render(65), "1m05s")
        XCTAssertEqual(DurationText.render(3 * 3600 + 7 * 60 + 9), "3h07m")
        XCTAssertEqual(DurationText.render(2 * 86400 + 5 * 3600), "2d05h")
        XCTAssertEqual(DurationText.between(start: "", end: "", now: Date()), "-")
    }

    func testJSONIsAnArrayWithSnakeCaseKeysAndMaskedSecrets() throws {
        var j = job("f47ac10b-58cc", "n", "FAILED", "2025-06-15T10:00:00Z", "2025-06-15T10:00:02Z", "false", [])
        j.exitCode = 3
        j.maxCPU = 20
        j.environment = ["A": "1"]
        j.secretEnvironment = ["TOKEN": "leaked?"]
        let text = JobJSON.render([j])
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        let first = try XCTUnwrap(parsed?.first)
        XCTAssertEqual(first["id"] as? String, "f47ac10b-58cc")
        XCTAssertEqual(first["status"] as? String, "FAILED")
        XCTAssertEqual(first["exit_code"] as? Int, 3)
        XCTAssertEqual(first["max_cpu"] as? Int, 20)
        XCTAssertEqual(first["start_time"] as? String, "2025-06-15T10:00:00Z")
        XCTAssertEqual(first["environment"] as? [String: String], ["A": "1"])
        XCTAssertEqual(first["secret_environment"] as? [String: String], ["TOKEN": "***"])
        XCTAssertFalse(text.contains("leaked?"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(JobJSON.render([]).utf8)) as? [Any])?.count, 0)
    }

    func testStatusReportMasksSecretsAndShowsReason() {
        var s = Joblet_GetJobStatusRes()
        s.uuid = "f47ac10b"; s.command = "sh"; s.args = ["-c", "exit 3"]; s.status = "FAILED"; s.exitCode = 3
        s.reason = "exited with code 3"; s.secretEnvironment = ["TOKEN": "s3cr3t"]; s.maxMemory = 64
        let text = JobReport.status(s)
        XCTAssertTrue(text.contains("Status:             FAILED\n"), text)
        XCTAssertTrue(text.contains("Exit Code:          3\n"), text)
        XCTAssertTrue(text.contains("Reason:             exited with code 3\n"), text)
        XCTAssertTrue(text.contains("Secret Environment: TOKEN=***\n"), text)
        XCTAssertTrue(text.contains("Max Memory:         64 MB\n"), text)
        XCTAssertFalse(text.contains("s3cr3t"))
    }
}
