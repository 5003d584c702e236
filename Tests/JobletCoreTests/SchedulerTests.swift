import Foundation
import XCTest
@testable import JobletCore

final class SchedulerTests: XCTestCase {
    private func makeEngine(_ dir: URL, backend: FakeBackend) throws -> JobEngine {
        JobEngine(store: try JobStore(dataDirectory: dir), logs: try LogStore(dataDirectory: dir),
                  backends: [backend], validator: JobRequestValidator(hostCPUCount: 4, hostMemoryMB: nil))
    }

    private func startedWithinASecond(_ engine: JobEngine, _ job: Job) async throws {
        let due = try XCTUnwrap(job.scheduledAt)
        let started = try await eventually(timeout: due.timeIntervalSinceNow + 5) {
            try engine.job(job.id).status == .running
        }
        XCTAssertTrue(started, "the scheduled job never started")
        let startedAt = try XCTUnwrap(try engine.job(job.id).startedAt)
        XCTAssertGreaterThanOrEqual(startedAt.timeIntervalSince(due), -0.001, "started early")
        XCTAssertLessThan(startedAt.timeIntervalSince(due), 1, "started more than a second late")
    }

    func testScheduledJobStartsWithinASecondOfItsTime() async throws {
        let backend = FakeBackend()
        let engine = try makeEngine(try makeTemporaryDirectory(self), backend: backend)
        try await engine.start()
        let job = try await engine.submit(JobRequest(command: "sleep", schedule: RFC3339.format(Date().addingTimeInterval(1))))
        XCTAssertEqual(job.status, .scheduled)
        XCTAssertEqual(backend.started, [])
        try await startedWithinASecond(engine, job)
        XCTAssertEqual(backend.started, [job.id])
        await engine.shutdown()
    }

    func testScheduleSurvivesARestart() async throws {
        let dir = try makeTemporaryDirectory(self)
        let first = try makeEngine(dir, backend: FakeBackend())
        try await first.start()
        let job = try await first.submit(JobRequest(command: "sleep", secretEnvironment: ["TOKEN": "t0p"],
                                                    schedule: RFC3339.format(Date().addingTimeInterval(1.5))))
        await first.shutdown()

        let backend = FakeBackend()
        let second = try makeEngine(dir, backend: backend)
        try await second.start()
        try await startedWithinASecond(second, job)
        XCTAssertEqual(backend.started, [job.id])
        XCTAssertEqual(try second.store.request(for: job.id).secretEnvironment, ["TOKEN": "t0p"])
        await second.shutdown()
    }

    func testPastDueJobsStartAtOnceAfterARestart() async throws {
        let dir = try makeTemporaryDirectory(self)
        let store = try JobStore(dataDirectory: dir)
        let request = JobRequest(command: "sleep", schedule: RFC3339.format(Date().addingTimeInterval(-60)))
        let job = Job(request: request, backend: "fake")
        try store.insert(job, request: request)
        let backend = FakeBackend()
        let engine = try makeEngine(dir, backend: backend)
        try await engine.start()
        let started = try await eventually(timeout: 2) { try engine.job(job.id).status == .running }
        XCTAssertTrue(started)
        await engine.shutdown()
    }

    func testCancelAScheduledJob() async throws {
        let backend = FakeBackend()
        let engine = try makeEngine(try makeTemporaryDirectory(self), backend: backend)
        try await engine.start()
        let job = try await engine.submit(JobRequest(command: "sleep", schedule: RFC3339.format(Date().addingTimeInterval(0.5))))
        let canceled = try await engine.cancel(String(job.id.prefix(8)))
        XCTAssertEqual(canceled.status, .canceled)
        try await Task.sleep(for: .seconds(1))
        XCTAssertEqual(backend.started, [])
        XCTAssertEqual(try engine.job(job.id).status, .canceled)
        do {
            _ = try await engine.cancel(job.id)
            XCTFail("canceled twice")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .failedPrecondition)
        }
        await engine.shutdown()
    }

    func testSchedulerAloneLoadsScheduledJobs() async throws {
        let store = try JobStore(dataDirectory: try makeTemporaryDirectory(self))
        let request = JobRequest(command: "x", schedule: RFC3339.format(Date().addingTimeInterval(3600)))
        let job = Job(request: request, backend: "fake")
        try store.insert(job, request: request)
        let scheduler = Scheduler(store: store)
        try await scheduler.start { _ in }
        let pending = await scheduler.pendingJobs
        XCTAssertEqual(Array(pending.keys), [job.id])
        await scheduler.unschedule(job.id)
        let afterUnschedule = await scheduler.pendingJobs
        XCTAssertTrue(afterUnschedule.isEmpty)
        await scheduler.shutdown()
    }
}
