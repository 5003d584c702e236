import Foundation
import XCTest
@testable import JobletCore

/// The engine over the fake backend and a real SQLite file: storage, event-driven starts,
/// cancellation, stop, restart recovery.
final class WorkflowEngineTests: XCTestCase {
    private func makeEngines(_ dir: URL, backend: FakeBackend) async throws -> (JobEngine, WorkflowEngine) {
        let jobs = JobEngine(store: try JobStore(dataDirectory: dir),
                             logs: try LogStore(dataDirectory: dir, pollInterval: .milliseconds(50)),
                             backends: [backend], validator: JobRequestValidator(hostCPUCount: 4, hostMemoryMB: nil))
        try await jobs.start()
        let workflows = WorkflowEngine(jobs: jobs, maxConcurrentLaunches: 2)
        try await workflows.start()
        return (jobs, workflows)
    }

    private func waitFinal(_ engine: WorkflowEngine, _ id: String) async throws -> Workflow {
        _ = try await eventually { try engine.workflow(id).status.isFinal }
        return try engine.workflow(id)
    }

    func testChainRunsInOrderAndStoresEverything() async throws {
        let dir = try makeTemporaryDirectory(self)
        let backend = FakeBackend()
        let (_, engine) = try await makeEngines(dir, backend: backend)
        let yaml = "jobs:\n  a: {command: echo, args: [a]}\n  b: {command: echo, args: [b], requires: [{a: COMPLETED}]}\n  c: {command: exit, args: ['4'], requires: [{b: COMPLETED}]}\n  d: {command: echo, requires: [{c: COMPLETED}]}\n"
        let submitted = try await engine.submit(yaml: yaml, files: [])
        XCTAssertEqual(submitted.status, .running)
        XCTAssertEqual(submitted.totalJobs, 4)
        let done = try await waitFinal(engine, submitted.id)
        XCTAssertEqual(done.status, .failed)
        XCTAssertEqual(done.reason, "job 'c' FAILED (exit 4)")
        let records = try engine.jobRecords(of: submitted.id)
        XCTAssertEqual(records.map(\.status), [.completed, .completed, .failed, .canceled])
        XCTAssertEqual(records[3].reason, "not run: requires c COMPLETED, c ended FAILED (exit 4)")
        XCTAssertFalse(records[3].started)
        XCTAssertEqual(backend.started, records.prefix(3).map(\.jobID))
        let counts = await engine.activeCounts()
        XCTAssertEqual(counts.workflows, 0)
    }

    func testAJobThatCouldNotStartEndsFailedWithExitMinusOneAndItsDependentIsCancelled() async throws {
        let dir = try makeTemporaryDirectory(self)
        let (_, engine) = try await makeEngines(dir, backend: FakeBackend())
        let yaml = "jobs:\n  a: {command: fail-start}\n  b: {command: echo, requires: [{a: COMPLETED}]}\n"
        let done = try await waitFinal(engine, try await engine.submit(yaml: yaml, files: []).id)
        XCTAssertEqual(done.status, .failed)
        let records = try engine.jobRecords(of: done.id)
        XCTAssertEqual(records.map(\.status), [.failed, .canceled])
        XCTAssertEqual(records[0].exitCode, -1, "a job that never ran must not report exit 0")
        XCTAssertEqual(records[0].reason, "could not start: exec failed: no such file")
        XCTAssertEqual(records[1].reason, "not run: requires a COMPLETED, a ended FAILED (exit -1)")
    }

    func testInvalidWorkflowStoresNothing() async throws {
        let dir = try makeTemporaryDirectory(self)
        let (jobs, engine) = try await makeEngines(dir, backend: FakeBackend())
        do {
            _ = try await engine.submit(yaml: "jobs: {a: {command: echo, requires: [{b: COMPLETED}]}, b: {command: echo, requires: [{a: COMPLETED}]}}", files: [])
            XCTFail("cycle accepted")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .invalidArgument)
        }
        XCTAssertEqual(try engine.list(includeCompleted: true).count, 0)
        XCTAssertEqual(try jobs.list().count, 0)
    }

    func testStopCancelsWaitingJobsAndStopsRunningOnes() async throws {
        let dir = try makeTemporaryDirectory(self)
        let backend = FakeBackend()
        let (_, engine) = try await makeEngines(dir, backend: backend)
        let w = try await engine.submit(yaml: "jobs:\n  s: {command: sleep}\n  t: {command: echo, requires: [{s: COMPLETED}]}\n", files: [])
        _ = try await eventually { try engine.jobRecords(of: w.id)[0].status == .running }
        let stopped = try await engine.stop(w.id)
        XCTAssertEqual(stopped.status, .stopped)
        let records = try engine.jobRecords(of: w.id)
        XCTAssertEqual(records.map(\.status), [.stopped, .canceled])
        XCTAssertEqual(records[1].reason, "not run: workflow stopped by request")
        do {
            _ = try await engine.stop(w.id)
            XCTFail("second stop accepted")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .failedPrecondition)
        }
    }

    func testRestartContinuesWhereItWasAndRunsNothingTwice() async throws {
        let dir = try makeTemporaryDirectory(self)
        let first = FakeBackend()
        let (_, engine) = try await makeEngines(dir, backend: first)
        let w = try await engine.submit(yaml: "jobs:\n  s: {command: sleep}\n  t: {command: echo, requires: [{s: COMPLETED}]}\n", files: [])
        _ = try await eventually { try engine.jobRecords(of: w.id)[0].status == .running }
        let sID = try engine.jobRecords(of: w.id)[0].jobID
        await engine.shutdown()

        // A new server on the same database: the fake backend re-adopts `s`, which then completes.
        let second = FakeBackend()
        let (_, restarted) = try await makeEngines(dir, backend: second)
        XCTAssertEqual(second.adopted, [sID])
        XCTAssertEqual(try restarted.jobRecords(of: w.id).map(\.status), [.running, .pending])
        try await second.sink(for: sID)?.transition(to: .completed, exitCode: 0)
        let done = try await waitFinal(restarted, w.id)
        XCTAssertEqual(done.status, .completed)
        let records = try restarted.jobRecords(of: w.id)
        XCTAssertEqual(second.started, [records[1].jobID])
        XCTAssertEqual(first.started, [sID])
    }
}

extension WorkflowEngineTests {
    func testDeletedJobsLeaveTheWorkflowRecordWhole() async throws {
        let dir = try makeTemporaryDirectory(self)
        let (jobs, engine) = try await makeEnginesForExtension(dir)
        let w = try await engine.submit(yaml: "jobs:\n  a: {command: exit, args: ['2']}\n  b: {command: echo, requires: [{a: COMPLETED}]}\n", files: [])
        _ = try await eventually { try engine.workflow(w.id).status.isFinal }
        let before = try engine.jobRecords(of: w.id)
        XCTAssertEqual(before.map(\.status), [.failed, .canceled])
        try await jobs.delete(before[0].jobID)
        let after = try engine.jobRecords(of: w.id)
        XCTAssertEqual(after, before)
        XCTAssertEqual(after[0].exitCode, 2)
        XCTAssertTrue(after[0].started)
        XCTAssertEqual(try engine.workflow(w.id).failedJobs, 1)
    }

    private func makeEnginesForExtension(_ dir: URL) async throws -> (JobEngine, WorkflowEngine) {
        let jobs = JobEngine(store: try JobStore(dataDirectory: dir),
                             logs: try LogStore(dataDirectory: dir, pollInterval: .milliseconds(50)),
                             backends: [FakeBackend()], validator: JobRequestValidator(hostCPUCount: 4, hostMemoryMB: nil))
        try await jobs.start()
        let workflows = WorkflowEngine(jobs: jobs)
        try await workflows.start()
        return (jobs, workflows)
    }
}
