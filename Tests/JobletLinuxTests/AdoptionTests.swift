import Foundation
import Glibc
import XCTest
@testable import JobletLinux

/// A server restart: the old runner goes away without touching its jobs, a new one adopts them.
final class AdoptionTests: XCTestCase {
    func testANewRunnerAdoptsARunningJobAndGetsItsExit() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("echo started; sleep 1; echo finished; exit 7")
        var handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "started")
        fixture.runner.detach()  // the server dies; the job must not notice

        // The handle survives as stored bytes.
        handle = try JSONDecoder().decode(JobProcessHandle.self, from: JSONEncoder().encode(handle))
        let restarted = try LocalJobRunner(log: { _ in })
        defer { restarted.detach() }
        XCTAssertEqual(restarted.adopt(handle), .running(handle))
        let exit = try await restarted.waitForExit(handle)
        XCTAssertEqual(exit.exitCode, 7)
        XCTAssertEqual(exit.reason, "exited with code 7")
        XCTAssertEqual(fixture.log(of: spec), "started\nfinished\n")
        XCTAssertTrue(restarted.cgroups.processes(in: handle.cgroup).isEmpty)
    }

    func testAnAdoptedJobCanBeStopped() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("trap '' TERM; echo ready; while :; do sleep 0.05; done")
        let handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "ready")
        fixture.runner.detach()
        let restarted = try LocalJobRunner(log: { _ in })
        defer { restarted.detach() }
        XCTAssertEqual(restarted.adopt(handle), .running(handle))
        let exit = try await restarted.stop(handle)
        XCTAssertTrue(exit.stopped)
        XCTAssertTrue(restarted.cgroups.processes(in: handle.cgroup).isEmpty)
    }

    func testAJobThatEndedWhileNobodyWatchedReportsItsStatus() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("exit 5")
        let handle = try fixture.runner.start(spec)
        fixture.runner.detach()
        let pidfd = try XCTUnwrap(PidFD.open(pid: handle.pid))
        while !pidfd.hasExited { try await Task.sleep(for: .milliseconds(10)) }
        // Reap it as the host's init would once jobletd is gone.
        XCTAssertNotNil(pidfd.reap())

        let restarted = try LocalJobRunner(log: { _ in })
        defer { restarted.detach() }
        guard case .exited(let exit) = restarted.adopt(handle) else { return XCTFail("should have ended") }
        XCTAssertEqual(exit.exitCode, 5)
        XCTAssertEqual(exit.reason, "exited with code 5")
    }

    /// jobletd died after spawning but before the handle was stored: the restart finds only the
    /// job id. What runs in its cgroup is killed and the cgroup removed (the soak found these left).
    func testAJobWithNoRecordedHandleIsKilledAndItsCgroupRemoved() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("sleep 30")
        let handle = try fixture.runner.start(spec)
        fixture.runner.detach()
        XCTAssertFalse(fixture.runner.cgroups.processes(in: handle.cgroup).isEmpty)

        let restarted = try LocalJobRunner(log: { _ in })
        defer { restarted.detach() }
        restarted.discardUnrecorded(jobID: handle.jobID)
        XCTAssertTrue(restarted.cgroups.processes(in: handle.cgroup).isEmpty)
        let pidfd = PidFD.open(pid: handle.pid)
        XCTAssertTrue(pidfd == nil || pidfd!.hasExited)
        for dir in ["memory", "pids", "cpu"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\(dir)/\(handle.cgroup.relativePath)"),
                           "\(dir) cgroup of the job is left")
        }
        restarted.discardUnrecorded(jobID: handle.jobID)  // again: nothing there, no error
    }

    func testAReusedPidIsNotAdopted() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("sleep 5")
        let real = try fixture.runner.start(spec)
        // Same job directory and cgroup, but a pid whose start time does not match: another process.
        let impostor = JobProcessHandle(jobID: "impostor-\(getpid())", pid: getpid(), startTime: 1,
                                        cgroup: JobCgroup(relativePath: "joblet/impostor-\(getpid())"),
                                        jobDirectory: "\(fixture.base)/jobs/none", command: "x", memoryLimitMB: nil, warnings: [])
        let restarted = try LocalJobRunner(log: { _ in })
        defer { restarted.detach() }
        guard case .exited(let exit) = restarted.adopt(impostor) else { return XCTFail("must not adopt the test process") }
        XCTAssertEqual(exit.exitCode, -1)
        XCTAssertTrue(exit.reason.hasPrefix("exit status unknown"), exit.reason)
        _ = try await fixture.runner.stop(real)
    }

    func testJobsSurviveTheirServerBeingKilled() async throws {
        // A jobletd stand-in (this test binary running `testServerStandIn`) starts a job and is SIGKILLed.
        let fixture = try JobFixture()
        let id = UUID().uuidString.lowercased()
        let handlePath = "\(fixture.base)/handle.json"
        let standIn = Process()
        standIn.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        standIn.arguments = ["JobletLinuxTests.AdoptionTests/testServerStandIn"]
        standIn.environment = ProcessInfo.processInfo.environment.merging(
            ["JOBLET_STANDIN_BASE": fixture.base, "JOBLET_STANDIN_ID": id]) { $1 }
        standIn.standardOutput = FileHandle.nullDevice
        standIn.standardError = FileHandle.nullDevice
        try standIn.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: handlePath), standIn.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(standIn.processIdentifier, SIGKILL)
        standIn.waitUntilExit()
        let handle = try JSONDecoder().decode(JobProcessHandle.self, from: Data(contentsOf: URL(fileURLWithPath: handlePath)))

        let restarted = try LocalJobRunner(log: { _ in })
        defer { restarted.detach() }
        XCTAssertEqual(restarted.adopt(handle), .running(handle))
        let exit = try await restarted.waitForExit(handle)
        XCTAssertEqual(exit.exitCode, 0, exit.reason)
        XCTAssertEqual(try String(contentsOfFile: "\(fixture.base)/\(id).log", encoding: .utf8), "up\nsurvived\n")
    }

    /// Does nothing in a normal run; launched by the test above, it plays a jobletd that gets killed.
    func testServerStandIn() throws {
        let env = ProcessInfo.processInfo.environment
        guard let base = env["JOBLET_STANDIN_BASE"], let id = env["JOBLET_STANDIN_ID"] else { return }
        let runner = try LocalJobRunner(log: { _ in })
        let spec = JobLaunchSpec(jobID: id, command: "/bin/sh", arguments: ["-c", "echo up; sleep 2; echo survived"],
                                 jobDirectory: "\(base)/jobs/\(id)", logPath: "\(base)/\(id).log")
        let handle = try runner.start(spec)
        try JSONEncoder().encode(handle).write(to: URL(fileURLWithPath: "\(base)/handle.json.tmp"))
        rename("\(base)/handle.json.tmp", "\(base)/handle.json")
        sleep(120)
    }
}
