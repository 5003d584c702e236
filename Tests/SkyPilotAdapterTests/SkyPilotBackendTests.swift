import Foundation
import JobletCore
@testable import SkyPilotAdapter
import XCTest

/// SkyPilotBackend through a real JobEngine (SQLite file, log directory) against the stand-in.
final class SkyPilotBackendTests: XCTestCase {
    static let secret = "hf_s3cr3t_token_value_42"

    func gpuRequest(_ command: String = "python3", _ args: [String] = ["train.py"]) -> JobRequest {
        JobRequest(command: command, args: args, environment: ["EPOCHS": "3"],
                   secretEnvironment: ["HF_TOKEN": Self.secret], gpuCount: 1)
    }

    /// Every transition (the test runs one job), as "FROM→TO", collected until the job is final.
    func transitions(_ engine: JobEngine) async -> Task<[String], Never> {
        let events = await engine.events()
        return Task {
            var seen: [String] = []
            for await event in events {
                if case .transitioned(let job, let from) = event {
                    seen.append("\(from.rawValue)→\(job.status.rawValue)")
                    if job.status.isFinal { break }
                }
            }
            return seen
        }
    }

    func assertNoSecret(_ harness: Harness, _ standIn: StandIn, _ id: String, file: StaticString = #filePath,
                        line: UInt = #line) async throws {
        let log = try await harness.logText(id)
        XCTAssertFalse(log.contains(Self.secret), "secret in the job log", file: file, line: line)
        XCTAssertFalse(harness.log.text.contains(Self.secret), "secret in jobletd's own log", file: file, line: line)
        let job = try harness.engine.job(id)
        XCTAssertFalse((job.reason ?? "").contains(Self.secret), file: file, line: line)
        XCTAssertFalse(String(decoding: job.backendState ?? Data(), as: UTF8.self).contains(Self.secret), file: file, line: line)
        for call in try await standIn.calls() {
            let text = "\(call["query"] ?? "") \(call["headers"] ?? "") \(call["body"] ?? "")"
            if call["path"] as? String == "/jobs/launch" { continue }
            XCTAssertFalse(text.contains(Self.secret), "secret sent to \(call["path"] ?? "?")", file: file, line: line)
        }
    }

    func testSuccessWithProvisioningAndJobLogs() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("success")
        let seen = await transitions(harness.engine)
        let job = try await harness.engine.submit(gpuRequest("python3", ["train.py", "--note", "it's $HOME"]))
        XCTAssertEqual(job.status, .pending)
        XCTAssertEqual(job.backend, "skypilot")

        let done = try await harness.wait(for: job.id, status: .completed)
        debug("completed")
        XCTAssertEqual(done.exitCode, 0)
        XCTAssertEqual(done.reason, "SkyPilot job 1: SUCCEEDED")
        let info = try XCTUnwrap(SkyPilotJobInfo(job: done))
        XCTAssertEqual(info.status, "SUCCEEDED")
        XCTAssertEqual(info.jobID, 1)
        XCTAssertEqual(info.recoveryCount, 0)
        XCTAssertNil(info.failureReason)
        XCTAssertNotNil(info.launchRequestID)

        let transitions = await seen.value
        debug("transitions \(transitions)")
        XCTAssertEqual(transitions.first, "INITIALIZING→PENDING")
        XCTAssertEqual(transitions.last, "RUNNING→COMPLETED")
        XCTAssertTrue(transitions.contains("PENDING→INITIALIZING"), "\(transitions)")
        XCTAssertTrue(transitions.contains("INITIALIZING→RUNNING"), "\(transitions)")

        let log = try await harness.logText(job.id)
        debug("log read")
        XCTAssertTrue(log.contains("Submitted managed job 1.\n"), log)
        XCTAssertTrue(log.contains("hello from the GPU\nGPU 0: NVIDIA H100 80GB HBM3\ntraining done\n"), log)
        XCTAssertTrue(log.contains("Managed job finished: 1 (status: SUCCEEDED)."), log)
        XCTAssertTrue(log.hasSuffix("skypilot: job 1 ended SUCCEEDED\n"), log)
        XCTAssertFalse(log.contains("sky-payload"), log)
        XCTAssertFalse(log.contains("\u{1b}"), log)
        XCTAssertLessThan(log.range(of: "Submitted managed job")!.lowerBound, log.range(of: "hello from the GPU")!.lowerBound)

        // The task that reached SkyPilot, and who sent it.
        let calls = try await standIn.calls()
        let launch = try XCTUnwrap(calls.first { $0["path"] as? String == "/jobs/launch" })
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((launch["body"] as! String).utf8)) as? [String: Any])
        XCTAssertEqual(body["name"] as? String, job.id)
        let env = try XCTUnwrap(body["env_vars"] as? [String: String])
        XCTAssertEqual(env["SKYPILOT_USER"], "jobletd-test")
        XCTAssertEqual(env["SKYPILOT_USER_ID"]?.count, 8)
        let task = try XCTUnwrap(body["task"] as? String)
        XCTAssertTrue(task.contains("accelerators: H100:1"), task)
        XCTAssertTrue(task.contains("python3 train.py --note 'it'\\''s $HOME'"), task)
        XCTAssertTrue(task.contains("HF_TOKEN: \"\(Self.secret)\""), task)
        for call in calls {
            let headers = call["headers"] as? [String: String] ?? [:]
            XCTAssertEqual(headers["x-skypilot-api-version"], "62", "\(call["path"] ?? "")")
            XCTAssertEqual(headers["x-skypilot-version"], "0.14.1")
        }
        try await assertNoSecret(harness, standIn, job.id)
    }

    func testFailedSetupKeepsSkyPilotStatusAndReason() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("failed_setup")
        let job = try await harness.engine.submit(gpuRequest())
        let done = try await harness.wait(for: job.id, status: .failed)
        XCTAssertEqual(done.exitCode, 1)
        XCTAssertEqual(done.reason, "SkyPilot job 1: FAILED_SETUP: Setup failed with return code 1. Check the logs above.")
        let info = try XCTUnwrap(SkyPilotJobInfo(job: done))
        XCTAssertEqual(info.status, "FAILED_SETUP")
        XCTAssertEqual(info.failureReason, "Setup failed with return code 1. Check the logs above.")
        let log = try await harness.logText(job.id)
        XCTAssertTrue(log.contains("ERROR: No matching distribution found for torch==9.9\n"), log)
        XCTAssertTrue(log.contains("skypilot: job 1 ended FAILED_SETUP: Setup failed with return code 1."), log)
        try await assertNoSecret(harness, standIn, job.id)
    }

    func testFailedNoResource() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("failed_no_resource")
        let job = try await harness.engine.submit(JobRequest(command: "train", gpuCount: 8, gpuMemoryMB: 80_000))
        let done = try await harness.wait(for: job.id, status: .failed)
        XCTAssertTrue(done.reason?.hasPrefix("SkyPilot job 1: FAILED_NO_RESOURCE: Failed to provision") == true, done.reason ?? "")
        XCTAssertTrue(done.reason?.contains("H100:8 not available") == true)
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.status, "FAILED_NO_RESOURCE")
        let task = try await launchedTask(standIn)
        XCTAssertTrue(task.contains("accelerators: A100-80GB:8"), task)
    }

    func testPreemptionRecoversTwiceThenSucceeds() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("preemption")
        let seen = await transitions(harness.engine)
        let job = try await harness.engine.submit(gpuRequest())
        let done = try await harness.wait(for: job.id, status: .completed)
        XCTAssertEqual(done.reason, "SkyPilot job 1: SUCCEEDED (recovery_count 2)")
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.recoveryCount, 2)
        let transitions = await seen.value
        XCTAssertEqual(transitions.filter { $0 == "RUNNING→RECOVERING" }.count, 2, "\(transitions)")
        XCTAssertEqual(transitions.filter { $0 == "RECOVERING→RUNNING" }.count, 2, "\(transitions)")
        let log = try await harness.logText(job.id)
        for line in ["epoch 1", "epoch 2", "epoch 3", "done after 2 preemptions"] {
            XCTAssertEqual(log.components(separatedBy: line + "\n").count - 1, 1, "\(line) in:\n\(log)")
        }
    }

    func testStopCancelsAtSkyPilotAndEndsStopped() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("cancel")
        let job = try await harness.engine.submit(gpuRequest())
        let engine = harness.engine
        let known = try await eventually { SkyPilotJobInfo(job: try engine.job(job.id))?.jobID == 1 }
        XCTAssertTrue(known)
        let stopped = try await harness.engine.stop(job.id)
        XCTAssertEqual(stopped.status, .stopped)
        XCTAssertEqual(stopped.exitCode, -1)
        XCTAssertEqual(SkyPilotJobInfo(job: stopped)?.status, "CANCELLED")
        XCTAssertTrue(stopped.reason?.contains("CANCELLED") == true, stopped.reason ?? "")
        let (jobs, _) = try await standIn.jobs()
        XCTAssertEqual(jobs.first?["status"] as? String, "CANCELLED")
        let cancels = try await standIn.calls().filter { $0["path"] as? String == "/jobs/cancel" }
        XCTAssertFalse(cancels.isEmpty)
        XCTAssertTrue((cancels[0]["body"] as? String)?.contains("\"job_ids\":[1]") == true)
    }

    func testStopWhileTheLaunchIsStillRunning() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.control("scenario", ["launch": ["delay": 1.0], "timeline": [["status": "PENDING", "after": 0]]])
        let job = try await harness.engine.submit(gpuRequest())
        XCTAssertNil(SkyPilotJobInfo(job: try harness.engine.job(job.id))?.jobID)
        let stopped = try await harness.engine.stop(job.id)
        XCTAssertEqual(stopped.status, .stopped)
        let (jobs, launches) = try await standIn.jobs()
        XCTAssertEqual(launches, 1)
        XCTAssertEqual(jobs.first?["status"] as? String, "CANCELLED")
    }

    func testLaunchFailureAtSkyPilotIsFailedWithItsReason() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("no_cloud")
        let job = try await harness.engine.submit(gpuRequest())
        let done = try await harness.wait(for: job.id, status: .failed)
        XCTAssertEqual(done.reason, "SkyPilot launch failed: NoCloudAccessError: Cloud access is not set up. Run: sky check"
                       + " (hint: \(SkyPilotErrorHint.hint(for: "NoCloudAccessError")!))")
        let log = try await harness.logText(job.id)
        XCTAssertTrue(log.contains("Ensuring the jobs controller sky-jobs-controller-fcd1e5cf is up"), log)
        XCTAssertTrue(log.contains("skypilot: launch failed: NoCloudAccessError: Cloud access is not set up. Run: sky check\n"), log)
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.failureReason, "NoCloudAccessError: Cloud access is not set up. Run: sky check")
        try await assertNoSecret(harness, standIn, job.id)
    }

    func testServerUnreachableForAWhileThenBack() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("long_running")
        let job = try await harness.engine.submit(gpuRequest())
        _ = try await harness.wait(for: job.id, status: .running)
        // Refused connections for 1.5 s, and the restart forgets every request id.
        try await standIn.control("outage", ["mode": "refuse", "seconds": 1.5, "wipe": true])
        let done = try await harness.wait(for: job.id, status: .completed)
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.jobID, 1)
        let log = try await harness.logText(job.id)
        for line in ["step 1", "step 2", "step 3", "step 4", "finished"] {
            XCTAssertEqual(log.components(separatedBy: line + "\n").count - 1, 1, "\(line) in:\n\(log)")
        }
        let launches = try await standIn.jobs().1
        XCTAssertEqual(launches, 1)
    }

    func testServerAnswering503ForAWhile() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("long_running")
        let job = try await harness.engine.submit(gpuRequest())
        _ = try await harness.wait(for: job.id, status: .running)
        try await standIn.control("outage", ["mode": "503", "seconds": 1.5, "wipe": true])
        _ = try await harness.wait(for: job.id, status: .completed)
        let log = try await harness.logText(job.id)
        for line in ["step 1", "step 2", "step 3", "step 4", "finished"] {
            XCTAssertEqual(log.components(separatedBy: line + "\n").count - 1, 1, "\(line) in:\n\(log)")
        }
    }

    func testJobletdRestartMidJobResumesWithoutRepeatingOrRelaunching() async throws {
        let standIn = try StandIn(self)
        let dir = try makeTemporaryDirectory(self)
        let first = try Harness(self, dir: dir, standIn: standIn)
        try await standIn.scenario("long_running")
        let job = try await first.engine.submit(gpuRequest())
        let engine = first.engine
        let running = await eventually {
            let text = (try? String(contentsOf: engine.logs.fileURL(for: job.id), encoding: .utf8)) ?? ""
            return text.contains("step 1\n")
        }
        XCTAssertTrue(running)
        // "kill -9": the watcher stops where it is; nothing is finalized.
        await first.backend.shutdown()
        XCTAssertFalse(try first.engine.job(job.id).status.isFinal)

        let second = try Harness(self, dir: dir, standIn: standIn)
        try await second.engine.start()
        let done = try await second.wait(for: job.id, status: .completed)
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.jobID, 1)
        let log = try await second.logText(job.id)
        for line in ["step 1", "step 2", "step 3", "step 4", "finished", "Submitted managed job 1."] {
            XCTAssertEqual(log.components(separatedBy: line + "\n").count - 1, 1, "\(line) in:\n\(log)")
        }
        let launches = try await standIn.jobs().1
        XCTAssertEqual(launches, 1, "launched once")
    }

    func testLostLaunchResponseFindsTheJobByName() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        try await standIn.scenario("lost_response")
        let job = try await harness.engine.submit(gpuRequest())
        XCTAssertEqual(job.status, .pending)
        let done = try await harness.wait(for: job.id, status: .completed)
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.jobID, 1)
        let (jobs, launches) = try await standIn.jobs()
        XCTAssertEqual(launches, 1, "no double launch")
        XCTAssertEqual(jobs.count, 1)
        let log = try await harness.logText(job.id)
        XCTAssertTrue(log.contains("the launch's answer was lost"), log)
        XCTAssertTrue(log.contains("training done\n"), log)
    }

    func testServerRestartWipingAnUnfinishedLaunchLaunchesOnce() async throws {
        let standIn = try StandIn(self)
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn)
        var slow = [String: Any]()
        slow["launch"] = ["delay": 1.5]
        slow["timeline"] = [["status": "PENDING", "after": 0], ["status": "RUNNING", "after": 0.3, "log": ["ran"]],
                            ["status": "SUCCEEDED", "after": 0.3]]
        try await standIn.control("scenario", slow)
        let job = try await harness.engine.submit(gpuRequest())
        try await standIn.control("restart")
        let done = try await harness.wait(for: job.id, status: .completed)
        let (jobs, launches) = try await standIn.jobs()
        XCTAssertEqual(jobs.count, 1)
        XCTAssertEqual(launches, 2, "relaunched because the first launch vanished with the restart")
        XCTAssertEqual(SkyPilotJobInfo(job: done)?.jobID, 1)
    }

    func testBearerTokenAndHealth() async throws {
        let standIn = try StandIn(self, arguments: ["--token", "sky_test_token"])
        var config = Harness.configuration(standIn)
        config.authentication = .bearer(token: "sky_test_token")
        let harness = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn, configuration: config)
        try await standIn.control("outage", ["mode": "refuse", "seconds": 0.8, "wipe": false])
        let started = ContinuousClock.now
        await harness.backend.waitUntilReachable()
        XCTAssertGreaterThan(ContinuousClock.now - started, .milliseconds(300), "waited through the outage")
        let health = await harness.backend.checkHealth()
        XCTAssertEqual(health?.apiVersion, "62")
        XCTAssertTrue(harness.log.text.contains("API version 62"), harness.log.text)
        XCTAssertFalse(harness.log.text.contains("sky_test_token"))
        let job = try await harness.engine.submit(gpuRequest())
        _ = try await harness.wait(for: job.id, status: .completed)

        var wrong = Harness.configuration(standIn)
        wrong.authentication = .bearer(token: "sky_wrong")
        let refused = try Harness(self, dir: try makeTemporaryDirectory(self), standIn: standIn, configuration: wrong)
        // Training (issue 19): RunJob's own error says so, and nothing is stored.
        do {
            _ = try await refused.engine.submit(gpuRequest())
            XCTFail("RunJob with refused credentials must fail")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .failedPrecondition)
            XCTAssertTrue(error.message.contains("refused our credentials (Invalid or expired service account token"), error.message)
        }
        XCTAssertTrue(try refused.engine.list().isEmpty)
    }

    func testUnreachableServerFailsTheLaunchClearly() async throws {
        var config = SkyPilotConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!, retryWindow: .milliseconds(600),
                                           retryBackoffMin: .milliseconds(50), retryBackoffMax: .milliseconds(100))
        config.submitterName = "t"
        let backend = SkyPilotBackend(configuration: config)
        addTeardownBlock { await backend.shutdown() }
        let health = await backend.checkHealth()
        XCTAssertNil(health)
        let dir = try makeTemporaryDirectory(self)
        let engine = JobEngine(store: try JobStore(dataDirectory: dir), logs: try LogStore(dataDirectory: dir),
                               backends: [backend], validator: JobRequestValidator(hostCPUCount: 4, hostMemoryMB: nil))
        // Training (issue 19): RunJob's error names the unreachable server at once (one attempt,
        // no retry window), and nothing is stored.
        do {
            _ = try await engine.submit(JobRequest(command: "x", gpuCount: 1))
            XCTFail("RunJob against an unreachable SkyPilot must fail")
        } catch let error as JobletError {
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertTrue(error.message.contains("http://127.0.0.1:9 is unreachable"), error.message)
            XCTAssertTrue(error.message.contains("--skypilot-endpoint"), error.message)
        }
        XCTAssertTrue(try engine.list().isEmpty)
    }

    func testCanRunTakesOnlyGPUJobs() throws {
        let backend = SkyPilotBackend(configuration: SkyPilotConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!))
        addTeardownBlock { await backend.shutdown() }
        XCTAssertNil(backend.canRun(JobRequest(command: "x", gpuCount: 1)))
        XCTAssertEqual(backend.canRun(JobRequest(command: "x"))?.code, .failedPrecondition)
        XCTAssertEqual(backend.canRun(JobRequest(command: "x", gpuCount: 1, gpuMemoryMB: 500_000))?.code, .invalidArgument)
    }

    func testUploadsNeedAnAPIServerOnThisHost() throws {
        let upload = [FileUpload(path: "train.py", content: Array("print(1)".utf8))]
        let local = SkyPilotBackend(configuration: SkyPilotConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!))
        let remote = SkyPilotBackend(configuration: SkyPilotConfiguration(endpoint: URL(string: "https://sky.example.com")!))
        addTeardownBlock { await local.shutdown(); await remote.shutdown() }
        XCTAssertNil(local.canRun(JobRequest(command: "python3", args: ["train.py"], uploads: upload, gpuCount: 1)))
        let refusal = remote.canRun(JobRequest(command: "python3", args: ["train.py"], uploads: upload, gpuCount: 1))
        XCTAssertEqual(refusal?.code, .failedPrecondition)
        XCTAssertTrue(refusal?.message.contains("uploads to a remote SkyPilot API server (sky.example.com)") == true, refusal?.message ?? "")
        XCTAssertNil(remote.canRun(JobRequest(command: "nvidia-smi", gpuCount: 1)))
    }

    private func launchedTask(_ standIn: StandIn) async throws -> String {
        let launch = try await standIn.calls().first { $0["path"] as? String == "/jobs/launch" }
        let body = try JSONSerialization.jsonObject(with: Data((launch?["body"] as? String ?? "{}").utf8)) as? [String: Any]
        return body?["task"] as? String ?? ""
    }
}

func debug(_ text: String) {
    if ProcessInfo.processInfo.environment["SKY_TEST_DEBUG"] != nil {
        FileHandle.standardError.write(Data("[test] \(text)\n".utf8))
    }
}

final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) {
        stored = value
    }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
