import XCTest
@testable import JobletCore

/// The monitoring-v1 migration: a finished job's usage kept and deleted with it; counts and active ids.
final class JobStoreUsageTests: XCTestCase {
    func testFinalUsageKeptCountedAndDeletedWithTheJob() throws {
        let dir = try makeTemporaryDirectory(self)
        let store = try JobStore(dataDirectory: dir)
        let request = JobRequest(command: "sleep", args: ["1"])
        let a = Job(request: request, backend: "local"), b = Job(request: request, backend: "local")
        try store.insert(a, request: request)
        try store.insert(b, request: request)
        _ = try store.applyTransition(id: a.id, to: .running, exitCode: nil, reason: nil, at: Date())
        XCTAssertEqual(Set(try store.activeJobs().map(\.id)), [a.id, b.id])
        _ = try store.applyTransition(id: a.id, to: .completed, exitCode: 0, reason: nil, at: Date())
        XCTAssertEqual(try store.activeJobs().map(\.id), [b.id])
        XCTAssertEqual(try store.countsByStatus(), [.completed: 1, .initializing: 1])

        XCTAssertNil(try store.finalUsage(id: a.id))
        let used = JobUsage(time: Date(timeIntervalSince1970: 1_764_700_000), cpuSeconds: 1.25, peakMemoryBytes: 210 << 20,
                            ioReadBytes: 4096, ioWriteBytes: 8192)
        try store.recordFinalUsage(id: a.id, used)
        let kept = try XCTUnwrap(JobStore(dataDirectory: dir).finalUsage(id: a.id))
        XCTAssertEqual(kept.cpuSeconds, 1.25)
        XCTAssertEqual(kept.peakMemoryBytes, 210 << 20)
        XCTAssertEqual(kept.ioWriteBytes, 8192)
        XCTAssertEqual(kept.time, used.time)
        try store.delete(id: a.id)
        XCTAssertNil(try store.finalUsage(id: a.id), "deleted with its job")
    }
}
