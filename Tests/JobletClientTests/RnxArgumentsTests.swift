import XCTest
@testable import JobletClient

final class RnxArgumentsTests: XCTestCase {
    func testGlobalFlagsBeforeTheCommandMoveAfterIt() {
        XCTAssertEqual(RnxArguments.normalize(["--server", "h:1", "--cert=c.pem", "list", "--json"]),
                       ["list", "--server", "h:1", "--cert=c.pem", "--json"])
        XCTAssertEqual(RnxArguments.normalize(["--node", "prod", "run", "echo", "--server", "x"]),
                       ["run", "--node", "prod", "echo", "--server", "x"], "the job's own words stay where they are")
        XCTAssertEqual(RnxArguments.normalize(["list"]), ["list"])
        XCTAssertEqual(RnxArguments.normalize(["--help"]), ["--help"])
        XCTAssertEqual(RnxArguments.normalize(["--server"]), ["--server"])
    }

    func testLogFollowEqualsFalse() {
        XCTAssertEqual(RnxArguments.normalize(["log", "--follow=false", "abc"]), ["log", "--no-follow", "abc"])
        XCTAssertEqual(RnxArguments.normalize(["log", "--follow=true", "abc"]), ["log", "--follow", "abc"])
        XCTAssertEqual(RnxArguments.normalize(["run", "echo", "--follow=false"]), ["run", "echo", "--follow=false"])
    }

    func testExitCodesFollowTheJob() {
        XCTAssertEqual(JobOutcome.processExitCode(status: "COMPLETED", exitCode: 0), 0)
        XCTAssertEqual(JobOutcome.processExitCode(status: "FAILED", exitCode: 3), 3)
        XCTAssertEqual(JobOutcome.processExitCode(status: "FAILED", exitCode: 137), 137)
        XCTAssertEqual(JobOutcome.processExitCode(status: "FAILED", exitCode: 0), 1)
        XCTAssertEqual(JobOutcome.processExitCode(status: "STOPPED", exitCode: -1), 1)
        XCTAssertEqual(JobOutcome.processExitCode(status: "RUNNING", exitCode: 0), 0)
        XCTAssertTrue(JobOutcome.isFinal("CANCELED"))
        XCTAssertFalse(JobOutcome.isFinal("SCHEDULED"))
    }

    func testCommandQuoting() {
        XCTAssertEqual(CommandText.render("python3", ["-c", "print(1)"]), "python3 -c 'print(1)'")
        XCTAssertEqual(CommandText.render("echo", ["", "a b", "k=v"]), "echo '' 'a b' k=v")
    }
}
