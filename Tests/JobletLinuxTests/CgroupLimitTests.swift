import Foundation
import Glibc
import XCTest
@testable import JobletLinux

/// Limits enforced for real on this host's cgroups (v1 hybrid on CI).
final class CgroupLimitTests: XCTestCase {
    func testMemoryLimitKillsAndNamesTheOOM() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("", limits: CgroupLimits(maxMemoryMB: 64))
        spec.command = "python3"
        spec.arguments = ["-c", "x = b'a' * (512 << 20); print('survived')"]
        let (exit, log) = try await fixture.run(spec)
        XCTAssertTrue(exit.oomKilled, "\(exit) \(log)")
        XCTAssertEqual(exit.exitCode, 137)
        XCTAssertEqual(exit.signal, 9)
        XCTAssertEqual(exit.reason, "killed: out of memory (limit 64 MB)")
        XCTAssertFalse(log.contains("survived"))
        XCTAssertLessThanOrEqual(exit.usage.peakMemoryBytes ?? .max, 64 << 20)
    }

    func testCPULimitHoldsABusyLoopNearItsShare() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("", limits: CgroupLimits(maxCPUPercent: 20))
        spec.command = "python3"
        spec.arguments = ["-c", "import time\nt = time.monotonic()\nwhile time.monotonic() - t < 3: pass"]
        let started = ContinuousClock.now
        let (exit, _) = try await fixture.run(spec)
        let wall = ContinuousClock.now - started
        XCTAssertEqual(exit.exitCode, 0)
        let cpu = Double(exit.usage.cpuNanoseconds ?? 0) / 1e9
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let share = cpu / seconds * 100
        XCTAssertEqual(share, 20, accuracy: 10, "used \(cpu) s of CPU in \(seconds) s")
    }

    func testPidsLimitContainsAForkBomb() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("echo ready; bomb() { bomb | bomb & }; bomb; sleep 30",
                                limits: CgroupLimits(maxCPUPercent: 50, maxPids: 50))
        let handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "ready")
        try await Task.sleep(for: .seconds(1))
        let current = fixture.runner.cgroups.processes(in: handle.cgroup).count
        XCTAssertLessThanOrEqual(current, 50)
        if case let v1 as CgroupV1Controller = fixture.runner.cgroups, let pids = v1.hierarchies["pids"] {
            let count = Int(FileIO.readTrimmed("\(pids)/\(handle.cgroup.relativePath)/pids.current") ?? "") ?? 0
            XCTAssertLessThanOrEqual(count, 50)
        }
        // dash gives up when a fork fails, so the job may already have failed by itself.
        let exit = try await fixture.runner.stop(handle)
        XCTAssertTrue(exit.stopped || exit.exitCode != 0, "\(exit)")
        XCTAssertGreaterThan(exit.usage.pidsLimitHits ?? 0, 0, "the bomb should have hit pids.max")
        XCTAssertTrue(fixture.runner.cgroups.processes(in: handle.cgroup).isEmpty)
        // The host (and the next job) is fine.
        let after = try await fixture.run(fixture.spec("echo still-fine"))
        XCTAssertEqual(after.log, "still-fine\n")
    }

    func testV1ControllerWritesEveryLimit() throws {
        try XCTSkipUnless(getuid() == 0, "cgroups need root")
        guard case .v1(let hierarchies, _) = CgroupLayout.detect() else { throw XCTSkip("this host is not cgroup v1") }
        let controller = CgroupV1Controller(hierarchies: hierarchies)
        let workspace = NSTemporaryDirectory()
        let cgroup = try controller.create(jobID: "limits-\(getpid())")
        defer { try? controller.remove(cgroup) }
        let report = try controller.apply(CgroupLimits(maxCPUPercent: 150, cpuCores: "0", maxMemoryMB: 64, maxIOBPS: 1_048_576, maxPids: 50),
                                          to: cgroup, workspace: workspace)
        func read(_ controller: String, _ file: String) -> String? {
            hierarchies[controller].flatMap { FileIO.readTrimmed("\($0)/\(cgroup.relativePath)/\(file)") }
        }
        XCTAssertEqual(read("cpu", "cpu.cfs_quota_us"), "150000")
        XCTAssertEqual(read("cpu", "cpu.cfs_period_us"), "100000")
        XCTAssertEqual(read("cpuset", "cpuset.cpus"), "0")
        XCTAssertEqual(read("cpuset", "cpuset.mems"), FileIO.readTrimmed("\(hierarchies["cpuset"]!)/cpuset.mems"))
        XCTAssertEqual(read("memory", "memory.limit_in_bytes"), String(64 << 20))
        if let memsw = read("memory", "memory.memsw.limit_in_bytes") { XCTAssertEqual(memsw, String(64 << 20)) }
        XCTAssertEqual(read("pids", "pids.max"), "50")
        switch BlockDevice.backing(workspace) {
        case .success(let device):
            XCTAssertEqual(report.warnings, [])
            XCTAssertEqual(read("blkio", "blkio.throttle.read_bps_device"), "\(device) 1048576")
            XCTAssertEqual(read("blkio", "blkio.throttle.write_bps_device"), "\(device) 1048576")
        case .failure(let why):
            XCTAssertEqual(report.warnings, ["maxIOBPS not applied: \(why.reason)"])
        }
    }

    func testIOLimitOnAVirtualFilesystemIsReportedNotFatal() throws {
        try XCTSkipUnless(getuid() == 0, "cgroups need root")
        guard case .v1(let hierarchies, _) = CgroupLayout.detect() else { throw XCTSkip("this host is not cgroup v1") }
        let controller = CgroupV1Controller(hierarchies: hierarchies)
        let cgroup = try controller.create(jobID: "io-\(getpid())")
        defer { try? controller.remove(cgroup) }
        let report = try controller.apply(CgroupLimits(maxIOBPS: 1000), to: cgroup, workspace: "/dev/shm")
        XCTAssertEqual(report.warnings.count, 1)
        XCTAssertTrue(report.warnings[0].hasPrefix("maxIOBPS not applied: /dev/shm is on device 0:"), report.warnings[0])
        XCTAssertTrue(report.warnings[0].contains("virtual filesystem"))
    }

    func testBadCpusetIsAnInvalidSpec() throws {
        try XCTSkipUnless(getuid() == 0, "cgroups need root")
        guard case .v1(let hierarchies, _) = CgroupLayout.detect() else { throw XCTSkip("this host is not cgroup v1") }
        let controller = CgroupV1Controller(hierarchies: hierarchies)
        let cgroup = try controller.create(jobID: "cpuset-\(getpid())")
        defer { try? controller.remove(cgroup) }
        XCTAssertThrowsError(try controller.apply(CgroupLimits(cpuCores: "999"), to: cgroup, workspace: "/tmp")) {
            XCTAssertTrue("\($0)".contains("cpuCores \"999\""), "\($0)")
        }
    }
}
