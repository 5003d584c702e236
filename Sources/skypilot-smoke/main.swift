// skypilot-smoke: drives SkyPilotBackend through a real JobEngine against a real SkyPilot API
// server (tests/skypilot/real_sky_test.sh starts one on loopback with no cloud access).
//   1. a GPU job goes PENDING (and STARTING) at SkyPilot and ends FAILED with
//      "Cloud access is not set up" in its reason and its log;
//   2. a GPU job stopped while pending ends STOPPED; jobletd sends SkyPilot the cancel and the
//      job ends there CANCELLED (or FAILED_PRECHECKS, when SkyPilot's prechecks win the race).
// Prints each check and a closing "N passed, M failed" line; exits non-zero on any failure.
import Foundation
import JobletCore
import Logging
import SkyPilotAdapter

let arguments = CommandLine.arguments
guard arguments.count >= 2, let endpoint = URL(string: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: skypilot-smoke http://127.0.0.1:PORT\n".utf8))
    exit(2)
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["SKY_SMOKE_DEBUG"] == nil ? .info : .debug
    return handler
}

let configuration = SkyPilotConfiguration(
    endpoint: endpoint, pollIntervalMin: .milliseconds(500), pollIntervalMax: .seconds(2),
    requestTimeout: .seconds(60), resultTimeout: .seconds(120), requestDeadline: .seconds(600),
    logIdleTimeout: .seconds(90), retryWindow: .seconds(60), submitterName: "jobletd-smoke")

var passed = 0
var failed = 0
@MainActor func check(_ ok: Bool, _ what: String) {
    print("\(ok ? "PASS" : "FAIL"): \(what)")
    if ok { passed += 1 } else { failed += 1 }
}

func waitFinal(_ engine: JobEngine, _ id: String, seconds: Double,
               watch: (Job) -> Void = { _ in }) async throws -> Job {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        let job = try engine.job(id)
        watch(job)
        if job.status.isFinal { return job }
        try await Task.sleep(for: .milliseconds(200))
    }
    return try engine.job(id)
}

func logText(_ engine: JobEngine, _ id: String) throws -> String {
    (try? String(contentsOf: engine.logs.fileURL(for: id), encoding: .utf8)) ?? ""
}

let backend = SkyPilotBackend(configuration: configuration)
let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("skypilot-smoke-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
let engine = JobEngine(store: try JobStore(dataDirectory: dataDir), logs: try LogStore(dataDirectory: dataDir),
                       backends: [backend], validator: JobRequestValidator(hostCPUCount: 64, hostMemoryMB: nil))

let health = await backend.checkHealth()
check(health?.isHealthy == true && health?.apiVersion != nil,
      "GET /api/health: \(health.map { "\($0.status), version \($0.version ?? "?"), API version \($0.apiVersion ?? "?")" } ?? "unreachable")")

// 1. A GPU job that SkyPilot accepts, then fails its prechecks: no cloud here.
do {
    let events = await engine.events()
    let transitions = Task {
        var seen: [String] = []
        for await event in events {
            if case .transitioned(let job, let from) = event {
                seen.append("\(from.rawValue)->\(job.status.rawValue)")
                if job.status.isFinal { break }
            }
        }
        return seen
    }
    let job = try await engine.submit(JobRequest(command: "nvidia-smi", args: ["-L"], environment: ["STAGE": "smoke"],
                                                 secretEnvironment: ["SMOKE_SECRET": "smoke-secret-value-123"], gpuCount: 1))
    print("submitted \(job.id): \(job.status.rawValue)")
    var skyStatuses: [String] = []
    let done = try await waitFinal(engine, job.id, seconds: 300) { job in
        if let status = SkyPilotJobInfo(job: job)?.status, skyStatuses.last != status { skyStatuses.append(status) }
    }
    let info = SkyPilotJobInfo(job: done)
    let seen = await transitions.value
    let log = try logText(engine, job.id)
    print("jobletd transitions: \(seen.joined(separator: ", "))")
    print("SkyPilot statuses seen: \(skyStatuses.joined(separator: ", ")); job id \(info?.jobID.map(String.init) ?? "-")")
    print("reason: \(done.reason ?? "-")")
    print("log:\n\(log)")
    check(done.status == .failed, "GPU job ends FAILED (is \(done.status.rawValue))")
    check(done.reason?.contains("Cloud access is not set up") == true, "its reason says 'Cloud access is not set up'")
    check(log.contains("Cloud access is not set up"), "its log says 'Cloud access is not set up'")
    check(seen.contains("INITIALIZING->PENDING"), "it was PENDING")
    check(skyStatuses.contains("PENDING") || skyStatuses.contains("STARTING"),
          "SkyPilot showed it PENDING or STARTING before the end (\(skyStatuses))")
    if info?.jobID != nil {
        check(info?.status?.hasPrefix("FAILED") == true, "SkyPilot status kept: \(info?.status ?? "-")")
    }
    check(!log.contains("smoke-secret-value-123"), "the secret is not in the log")
}

// 2. A GPU job stopped while pending.
do {
    let job = try await engine.submit(JobRequest(command: "sleep", args: ["600"], gpuCount: 1))
    print("submitted \(job.id): \(job.status.rawValue); stopping it at once")
    let stopped = try await engine.stop(job.id)
    let info = SkyPilotJobInfo(job: stopped)
    print("stopped: \(stopped.status.rawValue), reason: \(stopped.reason ?? "-"), SkyPilot: \(info?.status ?? "-") job \(info?.jobID.map(String.init) ?? "-")")
    let log = try logText(engine, job.id)
    print("log:\n\(log)")
    check(stopped.status == .stopped, "stopped GPU job ends STOPPED (is \(stopped.status.rawValue))")
    // The cancel must reach SkyPilot whenever it learned a job id. With no cloud here SkyPilot's
    // controller may fail the job's prechecks before it applies the cancel (seen on CI: the
    // cancel was sent while the job was STARTING and the job ended FAILED_PRECHECKS); either end
    // is SkyPilot's to pick, neither leaves the job running.
    if let jobID = info?.jobID {
        check(log.contains("skypilot: cancel of job \(jobID) requested"), "jobletd sent SkyPilot the cancel of job \(jobID)")
        check(info?.status == "CANCELLED" || info?.status == "FAILED_PRECHECKS",
              "SkyPilot ended it: CANCELLED, or FAILED_PRECHECKS when its prechecks failed before the cancel took (status \(info?.status ?? "-"))")
    } else {
        check(!log.contains("skypilot: managed job "), "stopped before SkyPilot gave it a job id, and none was recorded later")
    }
}

await backend.shutdown()
await engine.shutdown()
try? FileManager.default.removeItem(at: dataDir)
print("\(passed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
