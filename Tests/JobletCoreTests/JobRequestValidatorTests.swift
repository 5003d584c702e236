import XCTest
@testable import JobletCore

final class JobRequestValidatorTests: XCTestCase {
    private let validator = JobRequestValidator(defaults: .standardDefaults, hostCPUCount: 4, hostMemoryMB: 8192)

    private func assertInvalid(_ request: JobRequest, mentions fragment: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try validator.validate(request)
            XCTFail("accepted an invalid request", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, .invalidArgument, file: file, line: line)
            XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testDefaultsAreApplied() throws {
        let request = try validator.validate(JobRequest(command: " echo ", limits: ResourceLimits(maxIOBPS: 1000)))
        XCTAssertEqual(request.command, "echo")
        XCTAssertEqual(request.limits, ResourceLimits(maxCPU: 100, maxMemoryMB: 512, maxIOBPS: 1000))
        let custom = JobRequestValidator(defaults: ResourceLimits(maxCPU: 50, maxMemoryMB: 256, maxPIDs: 100),
                                         hostCPUCount: 4, hostMemoryMB: nil)
        XCTAssertEqual(try custom.validate(JobRequest(command: "x")).limits,
                       ResourceLimits(maxCPU: 50, maxMemoryMB: 256, maxPIDs: 100))
    }

    func testEmptyCommand() {
        assertInvalid(JobRequest(command: "   "), mentions: "command is empty")
    }

    func testNegativeAndExcessiveLimits() {
        assertInvalid(JobRequest(command: "x", limits: ResourceLimits(maxCPU: -1)), mentions: "maxCPU is negative")
        assertInvalid(JobRequest(command: "x", limits: ResourceLimits(maxMemoryMB: -5)), mentions: "maxMemory is negative")
        assertInvalid(JobRequest(command: "x", limits: ResourceLimits(maxIOBPS: -1)), mentions: "maxIOBPS is negative")
        assertInvalid(JobRequest(command: "x", limits: ResourceLimits(maxCPU: 401)), mentions: "exceeds this host's 4 CPUs")
        assertInvalid(JobRequest(command: "x", limits: ResourceLimits(maxMemoryMB: 9000)), mentions: "exceeds this host's 8192 MB")
        assertInvalid(JobRequest(command: "x", gpuCount: -1), mentions: "gpuCount is negative")
    }

    func testCPUCores() throws {
        XCTAssertEqual(try CPUSet(parsing: "0-1,3").cpus, [0, 1, 3])
        XCTAssertEqual(try CPUSet(parsing: "3, 1-2,2").cpus, [1, 2, 3])
        XCTAssertNoThrow(try validator.validate(JobRequest(command: "x", limits: ResourceLimits(cpuCores: "0-3"))))
        for bad in ["0-", "a", "1,,2", "3-1", "1-2-3", "-1", ","] {
            assertInvalid(JobRequest(command: "x", limits: ResourceLimits(cpuCores: bad)), mentions: "invalid cpuCores")
        }
        assertInvalid(JobRequest(command: "x", limits: ResourceLimits(cpuCores: "2-4")), mentions: "names CPU 4")
    }

    func testUploadPathsStayInTheWorkspace() throws {
        XCTAssertNoThrow(try validator.validate(JobRequest(command: "x", uploads: [
            FileUpload(path: "data/in.csv", content: [1, 2]), FileUpload(path: "dir", isDirectory: true),
            FileUpload(path: "a..b/c", mode: 0o755),
        ])))
        assertInvalid(JobRequest(command: "x", uploads: [FileUpload(path: "../etc/passwd")]), mentions: "'..'")
        assertInvalid(JobRequest(command: "x", uploads: [FileUpload(path: "a/../../b")]), mentions: "'..'")
        assertInvalid(JobRequest(command: "x", uploads: [FileUpload(path: "/etc/passwd")]), mentions: "absolute")
        assertInvalid(JobRequest(command: "x", uploads: [FileUpload(path: "a\u{0}b")]), mentions: "NUL")
        assertInvalid(JobRequest(command: "x", uploads: [FileUpload(path: "")]), mentions: "empty")
        assertInvalid(JobRequest(command: "x", uploads: [FileUpload(path: "f", mode: 0o17777)]), mentions: "mode")
    }

    func testEnvironmentNames() {
        XCTAssertNoThrow(try validator.validate(JobRequest(command: "x", environment: ["_A1": "v", "PATH": ""],
                                                           secretEnvironment: ["TOKEN": "s"])))
        assertInvalid(JobRequest(command: "x", environment: ["1A": "v"]), mentions: "invalid environment variable name '1A'")
        assertInvalid(JobRequest(command: "x", environment: ["A-B": "v"]), mentions: "'A-B'")
        assertInvalid(JobRequest(command: "x", secretEnvironment: ["": "v"]), mentions: "invalid environment variable name")
        assertInvalid(JobRequest(command: "x", environment: ["A": "v\u{0}"]), mentions: "NUL")
        assertInvalid(JobRequest(command: "x", environment: ["A": "1"], secretEnvironment: ["A": "2"]),
                      mentions: "both as plain and as secret")
    }

    func testNamesAndSchedule() throws {
        assertInvalid(JobRequest(command: "x", network: "bad name"), mentions: "invalid network name")
        assertInvalid(JobRequest(command: "x", volumes: ["ok", "../x"]), mentions: "invalid volume name")
        assertInvalid(JobRequest(command: "x", schedule: "tomorrow"), mentions: "invalid schedule")
        let request = try validator.validate(JobRequest(command: "x", schedule: "2030-01-02T03:04:05+02:00"))
        XCTAssertEqual(request.schedule, "2030-01-02T01:04:05.000000Z")
    }
}

final class TimeParsingTests: XCTestCase {
    func testRFC3339RoundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_751_382_245.123456)
        let text = RFC3339.format(date)
        XCTAssertEqual(text, "2025-07-01T15:04:05.123456Z")
        XCTAssertEqual(try XCTUnwrap(RFC3339.parse(text)).timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 1e-6)
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(RFC3339.parse("2024-02-29T23:59:59Z")?.timeIntervalSince1970, 1_709_251_199)
        XCTAssertEqual(RFC3339.parse("2025-07-01T17:04:05.5+02:00")?.timeIntervalSince1970, 1_751_382_245.5)
        for bad in ["2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2025-07-01T15:04:05", "2025-07-01 15:04Z", ""] {
            XCTAssertNil(RFC3339.parse(bad), bad)
        }
    }

    func testRelativeSchedules() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(try ScheduleParser.parse("in 5m", now: now), now.addingTimeInterval(300))
        XCTAssertEqual(try ScheduleParser.parse("in 1h30m", now: now), now.addingTimeInterval(5400))
        XCTAssertEqual(try ScheduleParser.parse("+10s", now: now), now.addingTimeInterval(10))
        XCTAssertEqual(try ScheduleParser.parse("2d", now: now), now.addingTimeInterval(172_800))
        XCTAssertEqual(try ScheduleParser.parse("2025-07-01T15:04:05Z", now: now).timeIntervalSince1970, 1_751_382_245)
        for bad in ["in", "in 5", "5x", "in m", "soon"] {
            XCTAssertThrowsError(try ScheduleParser.parse(bad, now: now), bad)
        }
    }
}

final class WorkDirTests: XCTestCase {
    func testWorkDirsUnderWorkAreRelativeToTheWorkspace() throws {
        XCTAssertEqual(try JobRequestValidator.workspaceRelativeWorkDir(""), "")
        XCTAssertEqual(try JobRequestValidator.workspaceRelativeWorkDir("/work"), "")
        XCTAssertEqual(try JobRequestValidator.workspaceRelativeWorkDir("/work/"), "")
        XCTAssertEqual(try JobRequestValidator.workspaceRelativeWorkDir("/work/src/a"), "src/a")
        XCTAssertEqual(try JobRequestValidator.workspaceRelativeWorkDir("src"), "src")
        for bad in ["/etc", "/workspace", "/work/../etc", "../up"] {
            XCTAssertThrowsError(try JobRequestValidator.workspaceRelativeWorkDir(bad), bad)
        }
    }

    func testPlainExitReasonsAreRecognised() {
        XCTAssertTrue(JobExitReason.isPlainExit(JobExitReason.exited(code: 3)))
        XCTAssertFalse(JobExitReason.isPlainExit("killed by signal 9 (SIGKILL)"))
        XCTAssertFalse(JobExitReason.isPlainExit("exited with code three"))
    }
}
