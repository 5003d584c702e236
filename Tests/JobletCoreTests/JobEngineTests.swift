import Foundation
import XCTest
@testable import JobletCore

final class JobEngineTests: XCTestCase {
    private func makeEngine(_ dir: URL, backends: [any JobBackend]) throws -> JobEngine {
        JobEngine(store: try JobStore(dataDirectory: dir), logs: try LogStore(dataDirectory: dir, pollInterval: .milliseconds(50)),
                  backends: backends, validator: JobRequestValidator(hostCPUCount: 4, hostMemoryMB: nil))
    }

    private func waitForStatus(_ engine: JobEngine, _ id: String, _ status: JobStatus,
                               file: StaticString = #filePath, line: UInt = #line) async throws -> Job {
        let reached = try await eventually { try engine.job(id).status == status }
        let current = try engine.job(id).status
        XCTAssertTrue(reached, "job never reached \(status), is \(current)", file: file, line: line)
        return try engine.job(id)
    }

    func testRunToCompletionWithLogsAndEvents() async throws {
        let dir = try makeTemporaryDirectory(self)
        let backend = FakeBackend()
        let engine = try makeEngine(dir, backends: [backend])
        let events = await engine.events()
        let submitted = try await engine.submit(JobRequest(command: "echo", args: ["hello", "world"]))
        XCTAssertEqual(backend.started, [submitted.id])
        let done = try await waitForStatus(engine, submitted.id, .completed)
        XCTAssertEqual(done.exitCode, 0)
        XCTAssertNotNil(done.startedAt)
        XCTAssertNotNil(done.endedAt)
        XCTAssertEqual(done.limits.maxMemoryMB, 512)

        var log = Data()
        for try await chunk in try engine.logReader(String(submitted.id.prefix(8))) { log.append(contentsOf: chunk) }
        XCTAssertEqual(String(decoding: log, as: UTF8.self), "hello world\n")

        var seen: [String] = []
        for await event in events {
            switch event {
            case .created(let job): seen.append("created \(job.status.rawValue)")
            case .transitioned(let job, let from): seen.append("\(from.rawValue)→\(job.status.rawValue)")
            case .deleted: seen.append("deleted")
            case .trainingMetric, .trainingMetricsComplete: seen.append("metric")
            }
            if seen.count == 3 { break }
        }
        XCTAssertEqual(seen, ["created INITIALIZING", "INITIALIZING→RUNNING", "RUNNING→COMPLETED"])
    }

    func testLiveLogFollowerEndsWhenTheJobIsFinal() async throws {
        let backend = FakeBackend()
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [backend])
        let job = try await engine.submit(JobRequest(command: "sleep"))
        XCTAssertEqual(job.status, .running)
        let follower = Task {
            var text = ""
            for try await chunk in try engine.logReader(job.id) { text += String(decoding: chunk, as: UTF8.self) }
            return text
        }
        let sink = try XCTUnwrap(backend.sink(for: job.id))
        try sink.appendLog(Array("one\n".utf8))
        try await Task.sleep(for: .milliseconds(100))
        try sink.appendLog(Array("two\n".utf8))
        try await sink.transition(to: .failed, exitCode: 2, reason: "exited with code 2")
        let text = try await follower.value
        XCTAssertEqual(text, "one\ntwo\n")
        XCTAssertEqual(try engine.job(job.id).reason, "exited with code 2")
    }

    func testStopRecordsStoppedAndStoppingAFinishedJobFails() async throws {
        let backend = FakeBackend()
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [backend])
        let job = try await engine.submit(JobRequest(command: "sleep"))
        let stopped = try await engine.stop(job.id)
        XCTAssertEqual(backend.stopped, [job.id])
        XCTAssertEqual(stopped.status, .stopped)
        XCTAssertEqual(stopped.exitCode, -1)
        do {
            _ = try await engine.stop(job.id)
            XCTFail("stopped a stopped job")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .failedPrecondition)
            XCTAssertEqual(error.message, "job is not running: \(job.id) (current status: STOPPED)")
        }
    }

    func testStartFailureAndIllegalReports() async throws {
        let backend = FakeBackend()
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [backend])
        let failed = try await engine.submit(JobRequest(command: "fail-start"))
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.reason, "could not start: exec failed: no such file")
        XCTAssertEqual(failed.exitCode, -1, "a job that never started must not report exit 0")

        let job = try await engine.submit(JobRequest(command: "exit", args: ["3"]))
        let done = try await waitForStatus(engine, job.id, .failed)
        XCTAssertEqual(done.exitCode, 3)
        do {
            try await engine.transition(job.id, to: .running)
            XCTFail("a final job moved")
        } catch let error as JobletError {
            XCTAssertEqual(error, .illegalTransition(id: job.id, from: .failed, to: .running))
        }
        XCTAssertEqual(try engine.job(job.id).status, .failed)
    }

    func testRejectedRequestsStoreNothing() async throws {
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [FakeBackend()])
        for (request, code) in [(JobRequest(command: ""), JobletErrorCode.invalidArgument),
                                (JobRequest(command: "x", uploads: [FileUpload(path: "../x")]), .invalidArgument),
                                (JobRequest(command: "x", gpuCount: 1), .failedPrecondition)] {
            do {
                _ = try await engine.submit(request)
                XCTFail("accepted \(request)")
            } catch let error as JobletError {
                XCTAssertEqual(error.code, code, error.message)
            }
        }
        XCTAssertEqual(try engine.list().count, 0)
        let none = try makeEngine(try makeTemporaryDirectory(self), backends: [])
        do {
            _ = try await none.submit(JobRequest(command: "x"))
            XCTFail("ran without a backend")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .unavailable)
        }
    }

    func testCallerChosenID() async throws {
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [FakeBackend()])
        let id = "F47AC10B-58CC-4372-A567-0E02B2C3D479"
        let job = try await engine.submit(JobRequest(command: "sleep"), id: id)
        XCTAssertEqual(job.id, id.lowercased())
        for (again, code) in [(id, JobletErrorCode.alreadyExists), ("not-a-uuid", .invalidArgument)] {
            do {
                _ = try await engine.submit(JobRequest(command: "sleep"), id: again)
                XCTFail("accepted id \(again)")
            } catch let error as JobletError {
                XCTAssertEqual(error.code, code, error.message)
            }
        }
    }

    func testBackendPreferenceOrder() async throws {
        let gpu = FakeBackend(name: "gpu", acceptsGPUs: true)
        let local = FakeBackend(name: "local")
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [local, gpu])
        let plain = try await engine.submit(JobRequest(command: "sleep"))
        let trained = try await engine.submit(JobRequest(command: "pending", gpuCount: 2))
        XCTAssertEqual(plain.backend, "local")
        XCTAssertEqual(trained.backend, "gpu")
        XCTAssertEqual(trained.status, .pending)
    }

    func testDeleteJobs() async throws {
        let engine = try makeEngine(try makeTemporaryDirectory(self), backends: [FakeBackend()])
        let running = try await engine.submit(JobRequest(command: "sleep"))
        let done = try await engine.submit(JobRequest(command: "echo", args: ["x"]))
        _ = try await waitForStatus(engine, done.id, .completed)
        do {
            try await engine.delete(running.id)
            XCTFail("deleted a running job")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .failedPrecondition)
        }
        let logFile = engine.logs.fileURL(for: done.id)
        XCTAssertTrue(FileManager.default.fileExists(atPath: logFile.path))
        let result = try await engine.deleteAllFinal()
        XCTAssertEqual(result.deletedIDs, [done.id])
        XCTAssertEqual(result.skipped, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: logFile.path))
        XCTAssertThrowsError(try engine.job(done.id)) { XCTAssertEqual(($0 as? JobletError)?.code, .notFound) }
    }

    func testRestartReadoptsUnfinishedJobs() async throws {
        let dir = try makeTemporaryDirectory(self)
        let first = try makeEngine(dir, backends: [FakeBackend(), FakeBackend(name: "remote", acceptsGPUs: true)])
        let running = try await first.submit(JobRequest(command: "sleep"))
        let remote = try await first.submit(JobRequest(command: "pending", gpuCount: 1))
        let finished = try await first.submit(JobRequest(command: "echo"))
        _ = try await waitForStatus(first, finished.id, .completed)
        await first.shutdown()

        // The "remote" backend is not configured after the restart.
        let backend = FakeBackend()
        let second = try makeEngine(dir, backends: [backend])
        try await second.start()
        XCTAssertEqual(backend.adopted, [running.id])
        let lost = try second.job(remote.id)
        XCTAssertEqual(lost.status, .failed)
        XCTAssertTrue(lost.reason?.contains("backend 'remote' is not configured") ?? false)
        // The adopted job reports through its new sink and ends normally.
        try await XCTUnwrap(backend.sink(for: running.id)).transition(to: .completed, exitCode: 0)
        XCTAssertEqual(try second.job(String(running.id.prefix(6))).status, .completed)
    }

    func testStoppedReportCarriesExitCodeMinusOne() async throws {
        let dir = try makeTemporaryDirectory(self)
        let backend = FakeBackend()
        let engine = try makeEngine(dir, backends: [backend])
        let job = try await engine.submit(JobRequest(command: "sleep"))
        // A backend reports the signal its processes died of; DESIGN stores STOPPED with -1.
        try await XCTUnwrap(backend.sink(for: job.id)).transition(to: .stopped, exitCode: 137, reason: "stopped: killed by signal 9 (SIGKILL)")
        let stopped = try engine.job(job.id)
        XCTAssertEqual(stopped.status, .stopped)
        XCTAssertEqual(stopped.exitCode, -1)
        XCTAssertEqual(stopped.reason, "stopped: killed by signal 9 (SIGKILL)")
    }

    func testScheduledJobDueWhileDownIsStartedNotAdopted() async throws {
        let dir = try makeTemporaryDirectory(self)
        let first = try makeEngine(dir, backends: [FakeBackend()])
        let job = try await first.submit(JobRequest(command: "sleep", schedule: RFC3339.format(Date().addingTimeInterval(1))))
        XCTAssertEqual(job.status, .scheduled)
        await first.shutdown()
        try await Task.sleep(for: .milliseconds(1500))  // its time passes with no engine running

        let backend = FakeBackend()
        let second = try makeEngine(dir, backends: [backend])
        try await second.start()
        let running = try await waitForStatus(second, job.id, .running)
        XCTAssertEqual(backend.started, [job.id])
        XCTAssertEqual(backend.adopted, [], "an overdue scheduled job launched at start was also 'adopted'")
        XCTAssertNil(running.reason)
    }
}
