import XCTest
@testable import JobletCore

/// The DAG logic alone: what starts, what is cancelled and why, and the workflow's outcome.
final class WorkflowRunTests: XCTestCase {
    private func run(_ jobs: [(String, [WorkflowRequirement])]) -> WorkflowRun {
        WorkflowRun(id: "w", records: jobs.map { ("id-\($0.0)", $0.0, $0.1, .waiting) })
    }

    private func req(_ job: String, _ status: RequiredStatus = .completed) -> WorkflowRequirement {
        WorkflowRequirement(job: job, status: status)
    }

    func testDiamondStartsInOrder() {
        var r = run([("a", []), ("b", [req("a")]), ("c", [req("a")]), ("d", [req("b"), req("c")])])
        XCTAssertEqual(r.settleAll(), [.start(0)])
        XCTAssertEqual(Set(r.end(0, .completed, exitCode: 0)), [.start(1), .start(2)])
        XCTAssertEqual(r.end(1, .completed, exitCode: 0), [])
        XCTAssertEqual(r.end(2, .completed, exitCode: 0), [.start(3)])
        XCTAssertFalse(r.isDone)
        XCTAssertEqual(r.end(3, .completed, exitCode: 0), [])
        XCTAssertTrue(r.isDone)
        XCTAssertEqual(r.outcome().0, .completed)
    }

    func testFailureCancelsRecursivelyWithReasons() {
        var r = run([("a", []), ("b", [req("a")]), ("c", [req("b")]), ("fix", [req("a", .failed)]),
                     ("last", [req("c", .finished)])])
        _ = r.settleAll()
        let actions = r.end(0, .failed, exitCode: 3)
        XCTAssertTrue(actions.contains(.cancel(1, reason: "not run: requires a COMPLETED, a ended FAILED (exit 3)")))
        XCTAssertTrue(actions.contains(.cancel(2, reason: "not run: requires b COMPLETED, b ended CANCELED")))
        XCTAssertTrue(actions.contains(.start(3)))
        XCTAssertTrue(actions.contains(.start(4)))  // FINISHED holds for a cancelled job
        _ = r.end(3, .completed, exitCode: 0)
        _ = r.end(4, .completed, exitCode: 0)
        XCTAssertTrue(r.isDone)
        XCTAssertEqual(r.outcome().0, .failed)
        XCTAssertEqual(r.outcome().reason, "job 'a' FAILED (exit 3)")
    }

    func testSkippedByRequirementStillCompletes() {
        var r = run([("a", []), ("onFail", [req("a", .failed)])])
        _ = r.settleAll()
        XCTAssertEqual(r.end(0, .completed, exitCode: 0),
                       [.cancel(1, reason: "not run: requires a FAILED, a ended COMPLETED")])
        XCTAssertTrue(r.isDone)
        XCTAssertEqual(r.outcome().0, .completed)
    }

    func testStopCancelsWaitingAndEndsStopped() {
        var r = run([("a", []), ("b", [req("a")])])
        _ = r.settleAll()
        r.markStarted(0)
        r.stopRequested = true
        XCTAssertEqual(r.settleAll(), [.cancel(1, reason: "not run: workflow stopped by request")])
        XCTAssertEqual(r.end(0, .stopped, exitCode: -1), [])
        XCTAssertEqual(r.outcome().0, .stopped)
    }

    func testRecoveredStateDecidesAgain() {
        // As after a restart: a ended while no server ran, b waits, c already cancelled.
        var r = WorkflowRun(id: "w", records: [("1", "a", [], .ended(.completed, exitCode: 0)),
                                               ("2", "b", [req("a")], .waiting),
                                               ("3", "c", [req("a", .failed)], .ended(.canceled, exitCode: nil))])
        XCTAssertEqual(r.settleAll(), [.start(1)])
        XCTAssertEqual(r.end(1, .completed, exitCode: 0), [])
        XCTAssertTrue(r.isDone)
        // An end reported twice changes nothing.
        XCTAssertEqual(r.end(1, .failed, exitCode: 1), [])
        XCTAssertEqual(r.outcome().0, .completed)
    }
}

extension WorkflowRunTests {
    func testWideJoinAndRepeatedRequirements() {
        // 1 -> 500 -> 1: the join starts exactly once, when the last middle job ends.
        var jobs: [(String, [WorkflowRequirement])] = [("first", [])]
        for i in 0..<500 { jobs.append(("m\(i)", [WorkflowRequirement(job: "first", status: .completed)])) }
        jobs.append(("join", (0..<500).map { WorkflowRequirement(job: "m\($0)", status: .completed) }))
        var r = WorkflowRun(id: "w", records: jobs.map { ("id-\($0.0)", $0.0, $0.1, .waiting) })
        XCTAssertEqual(r.settleAll(), [.start(0)])
        XCTAssertEqual(r.end(0, .completed, exitCode: 0).count, 500)
        for i in 1..<500 { XCTAssertEqual(r.end(i, .completed, exitCode: 0), []) }
        XCTAssertEqual(r.end(500, .completed, exitCode: 0), [.start(501)])

        // A job that requires the same job twice is cancelled once.
        var twice = WorkflowRun(id: "w", records: [
            ("1", "a", [], .waiting),
            ("2", "b", [WorkflowRequirement(job: "a", status: .completed), WorkflowRequirement(job: "a", status: .finished)], .waiting),
            ("3", "c", [WorkflowRequirement(job: "b", status: .canceled)], .waiting)])
        _ = twice.settleAll()
        XCTAssertEqual(twice.end(0, .failed, exitCode: 1),
                       [.cancel(1, reason: "not run: requires a COMPLETED, a ended FAILED (exit 1)"), .start(2)])
        XCTAssertEqual(twice.end(2, .completed, exitCode: 0), [])
        XCTAssertTrue(twice.isDone)
    }
}
