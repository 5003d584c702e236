import Foundation
import XCTest
@testable import JobletLinux

/// stop: SIGTERM through the init to the command's process group, grace, then SIGKILL for all.
final class StopTests: XCTestCase {
    func testStopLetsATermHandlerFinish() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done")
        let handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "ready")
        let exit = try await fixture.runner.stop(handle, grace: .seconds(5))
        XCTAssertEqual(exit.exitCode, 3)
        XCTAssertTrue(exit.stopped)
        XCTAssertEqual(exit.reason, "stopped: exited with code 3")
        XCTAssertTrue(fixture.log(of: spec).contains("got-term"))
    }

    func testStopKillsAJobThatIgnoresTermAfterTheGrace() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("trap '' TERM; echo ready; while :; do sleep 0.05; done")
        let handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "ready")
        let started = ContinuousClock.now
        let exit = try await fixture.runner.stop(handle)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        XCTAssertEqual(exit.exitCode, 137)
        XCTAssertEqual(exit.signal, 9)
        XCTAssertTrue(exit.stopped)
        XCTAssertEqual(exit.reason, "stopped: killed by signal 9 (SIGKILL)")
        XCTAssertTrue(fixture.runner.cgroups.processes(in: handle.cgroup).isEmpty)
    }

    func testStopKillsBackgroundChildrenToo() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("(trap '' TERM; sleep 60) & sleep 60 & echo ready; wait")
        let handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "ready")
        XCTAssertGreaterThanOrEqual(fixture.runner.cgroups.processes(in: handle.cgroup).count, 3)
        let exit = try await fixture.runner.stop(handle)
        XCTAssertTrue(exit.stopped)
        XCTAssertTrue(fixture.runner.cgroups.processes(in: handle.cgroup).isEmpty)
    }

    func testStoppingAFinishedJobReturnsItsExit() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("exit 4")
        let handle = try fixture.runner.start(spec)
        _ = try await fixture.runner.waitForExit(handle)
        let exit = try await fixture.runner.stop(handle)
        XCTAssertEqual(exit.exitCode, 4)
        XCTAssertFalse(exit.stopped)
    }
}
