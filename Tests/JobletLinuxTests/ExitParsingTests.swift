import Glibc
import XCTest
@testable import JobletLinux

/// The small parsers and the exit interpreter, without processes.
final class ExitParsingTests: XCTestCase {
    func testProcStatParsesPastAParenthesisedName() {
        let line = "4242 (we ird) name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615"
        XCTAssertEqual(ProcessStat.parse(line), ProcessStat(state: "S", startTime: 987654))
        XCTAssertNil(ProcessStat.parse("garbage"))
        XCTAssertNotNil(ProcessStat.read(pid: getpid()))
    }

    func testExitStatusRecord() {
        XCTAssertEqual(ExitStatusRecord.parse("137 9 0 0\n"), ExitStatusRecord(code: 137, signal: 9, errno: 0, stage: 0))
        XCTAssertNil(ExitStatusRecord.parse(""))
        XCTAssertNil(ExitStatusRecord.parse("1 2"))
    }

    func testInterpreterNamesEachEnding() {
        let i = JobExitInterpreter(command: "train.py", memoryLimitMB: 64)
        let none = JobResourceUsage()
        XCTAssertEqual(i.exit(record: .init(code: 0, signal: 0, errno: 0, stage: 0), reaped: nil, usage: none, stopped: false).reason, "")
        XCTAssertEqual(i.exit(record: .init(code: 2, signal: 0, errno: 0, stage: 0), reaped: nil, usage: none, stopped: false).reason, "exited with code 2")
        let killed = i.exit(record: .init(code: 143, signal: 15, errno: 0, stage: 0), reaped: nil, usage: none, stopped: false)
        XCTAssertEqual(killed, JobExit(exitCode: 143, signal: 15, reason: "killed by signal 15 (SIGTERM)"))
        let oom = i.exit(record: .init(code: 137, signal: 9, errno: 0, stage: 0), reaped: nil, usage: JobResourceUsage(oomKills: 1), stopped: false)
        XCTAssertEqual(oom.reason, "killed: out of memory (limit 64 MB)")
        XCTAssertTrue(oom.oomKilled)
        let notFound = i.exit(record: .init(code: 127, signal: 0, errno: ENOENT, stage: 7), reaped: nil, usage: none, stopped: false)
        XCTAssertEqual(notFound, JobExit(exitCode: 127, reason: "train.py: command not found"))
        XCTAssertEqual(i.exit(record: nil, reaped: (137, 9), usage: none, stopped: true).reason, "stopped: killed by signal 9 (SIGKILL)")
        let lost = i.exit(record: nil, reaped: nil, usage: none, stopped: false)
        XCTAssertEqual(lost.exitCode, -1)
        XCTAssertTrue(lost.reason.hasPrefix("exit status unknown"))
    }
}
