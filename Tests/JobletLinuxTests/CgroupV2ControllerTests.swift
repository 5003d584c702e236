import Foundation
import Glibc
import XCTest
@testable import JobletLinux

/// The v2 controller against a fake cgroupfs: a directory tree with the files the kernel would have.
final class CgroupV2ControllerTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/joblet-fake-cgroup-XXXXXX".utf8CString)
        root = String(cString: mkdtemp(&template)!)
        try put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc")
        try put("cgroup.subtree_control", "")
        try FileManager.default.createDirectory(atPath: "\(root)/joblet", withIntermediateDirectories: true)
        try put("joblet/cgroup.controllers", "cpuset cpu io memory pids")
        try put("joblet/cgroup.subtree_control", "cpu memory")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    private func put(_ path: String, _ text: String) throws {
        try text.write(toFile: "\(root)/\(path)", atomically: false, encoding: .utf8)
    }

    private func read(_ path: String) -> String? { FileIO.readTrimmed("\(root)/\(path)") }

    func testCreateDelegatesControllersAndMakesTheJobDirectory() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-1")
        XCTAssertEqual(cgroup.relativePath, "joblet/job-1")
        XCTAssertEqual(read("cgroup.subtree_control"), "+cpu +cpuset +memory +io +pids")
        XCTAssertEqual(read("joblet/cgroup.subtree_control"), "+cpuset +io +pids", "only what is not enabled yet")
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(root)/joblet/job-1", isDirectory: &isDir) && isDir.boolValue)
        XCTAssertEqual(controller.placement(for: cgroup), .directory("\(root)/joblet/job-1"))
    }

    func testApplyWritesEveryLimit() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-2")
        try put("joblet/job-2/memory.swap.max", "max")
        let workspace = NSTemporaryDirectory()
        let report = try controller.apply(CgroupLimits(maxCPUPercent: 20, cpuCores: "0-1", maxMemoryMB: 64, maxIOBPS: 2_000_000, maxPids: 50),
                                          to: cgroup, workspace: workspace)
        XCTAssertEqual(read("joblet/job-2/cpu.max"), "20000 100000")
        XCTAssertEqual(read("joblet/job-2/cpuset.cpus"), "0-1")
        XCTAssertEqual(read("joblet/job-2/memory.max"), "67108864")
        XCTAssertEqual(read("joblet/job-2/memory.swap.max"), "0")
        XCTAssertEqual(read("joblet/job-2/pids.max"), "50")
        switch BlockDevice.backing(workspace) {
        case .success(let device):
            XCTAssertEqual(read("joblet/job-2/io.max"), "\(device) rbps=2000000 wbps=2000000")
            XCTAssertEqual(report.warnings, [])
        case .failure(let why):
            XCTAssertEqual(report.warnings, ["maxIOBPS not applied: \(why.reason)"])
        }
    }

    func testNoSwapFileMeansNoSwapWriteAndDefaultsLeaveCPUAlone() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-3")
        _ = try controller.apply(CgroupLimits(maxMemoryMB: 1), to: cgroup, workspace: "/tmp")
        XCTAssertNil(read("joblet/job-3/memory.swap.max"))
        XCTAssertNil(read("joblet/job-3/cpu.max"))
        XCTAssertEqual(read("joblet/job-3/pids.max"), String(CgroupLimits.defaultMaxPids))
    }

    func testIOOnAVirtualFilesystemIsAWarning() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-4")
        let report = try controller.apply(CgroupLimits(maxIOBPS: 10), to: cgroup, workspace: "/proc")
        XCTAssertEqual(report.warnings.count, 1)
        XCTAssertTrue(report.warnings[0].contains("virtual filesystem"), report.warnings[0])
        XCTAssertNil(read("joblet/job-4/io.max"))
    }

    func testUsageReadsOOMKillsCPUAndPeak() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-5")
        try put("joblet/job-5/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n")
        try put("joblet/job-5/memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n")
        try put("joblet/job-5/memory.peak", "67108864\n")
        try put("joblet/job-5/pids.events", "max 3\n")
        let usage = controller.usage(of: cgroup)
        XCTAssertEqual(usage, JobResourceUsage(cpuNanoseconds: 1_500_000, peakMemoryBytes: 67_108_864, oomKills: 1, pidsLimitHits: 3))
        XCTAssertEqual(controller.usage(of: JobCgroup(relativePath: "joblet/missing")), JobResourceUsage())
    }

    func testKillWritesCgroupKillAndWaitsForAnEmptyCgroup() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-6")
        try put("joblet/job-6/cgroup.kill", "")
        try put("joblet/job-6/cgroup.procs", "")
        try controller.killAll(in: cgroup, timeout: .seconds(1))
        XCTAssertEqual(read("joblet/job-6/cgroup.kill"), "1")
        XCTAssertEqual(controller.processes(in: cgroup), [])
    }

    func testKillGivesUpOnProcessesThatNeverLeave() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-7")
        // A pid that cannot exist: kill() fails, the fake file never empties.
        try put("joblet/job-7/cgroup.procs", "2147483646\n")
        XCTAssertThrowsError(try controller.killAll(in: cgroup, timeout: .milliseconds(50))) {
            XCTAssertTrue("\($0)".contains("survived SIGKILL"), "\($0)")
        }
    }

    func testRemoveDeletesAnEmptyJobDirectoryAndToleratesAMissingOne() throws {
        let controller = CgroupV2Controller(root: root)
        let cgroup = try controller.create(jobID: "job-8")
        try controller.remove(cgroup)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/joblet/job-8"))
        try controller.remove(cgroup)
    }

    func testJobIDsCannotWalkOutOfTheParent() {
        let controller = CgroupV2Controller(root: root)
        for id in ["", "..", ".", "a/b", "../../etc", String(repeating: "x", count: 200)] {
            XCTAssertThrowsError(try controller.create(jobID: id), id)
        }
    }
}
