import Foundation
import XCTest
@testable import JobletLinux

/// A job's usage read from a fake cgroupfs, v2 and v1.
final class CgroupUsageTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/joblet-fake-cgroup-usage-XXXXXX".utf8CString)
        root = String(cString: mkdtemp(&template)!)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    private func put(_ path: String, _ text: String) throws {
        let full = "\(root)/\(path)"
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func testV2Usage() throws {
        try put("joblet/j1/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n")
        try put("joblet/j1/memory.current", "104857600\n")
        try put("joblet/j1/memory.peak", "209715200\n")
        try put("joblet/j1/memory.events", "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n")
        try put("joblet/j1/pids.current", "4\n")
        try put("joblet/j1/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n254:0 rbytes=1 wbytes=2 rios=1 wios=1\n")
        let u = CgroupV2Controller(root: root).usage(of: JobCgroup(relativePath: "joblet/j1"))
        XCTAssertEqual(u.cpuNanoseconds, 2_500_000_000)
        XCTAssertEqual(u.memoryBytes, 104_857_600)
        XCTAssertEqual(u.peakMemoryBytes, 209_715_200)
        XCTAssertEqual(u.pids, 4)
        XCTAssertEqual(u.ioReadBytes, 4097)
        XCTAssertEqual(u.ioWriteBytes, 8194)
        XCTAssertEqual(u.oomKills, 0)
        let job = LocalBackend.jobUsage(u)
        XCTAssertEqual(job.cpuSeconds, 2.5, accuracy: 1e-9)
        XCTAssertEqual(job.peakMemoryBytes, 209_715_200)
    }

    func testV1Usage() throws {
        try put("cpuacct/joblet/j1/cpuacct.usage", "1500000000\n")
        try put("memory/joblet/j1/memory.usage_in_bytes", "1000\n")
        try put("memory/joblet/j1/memory.max_usage_in_bytes", "5000\n")
        try put("memory/joblet/j1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
        try put("pids/joblet/j1/pids.current", "2\n")
        try put("blkio/joblet/j1/blkio.throttle.io_service_bytes",
                "254:0 Read 300\n254:0 Write 700\n254:0 Sync 0\n254:0 Async 1000\n254:0 Total 1000\nTotal 1000\n")
        let controller = CgroupV1Controller(hierarchies: ["cpuacct": "\(root)/cpuacct", "memory": "\(root)/memory",
                                                          "pids": "\(root)/pids", "blkio": "\(root)/blkio"])
        let u = controller.usage(of: JobCgroup(relativePath: "joblet/j1"))
        XCTAssertEqual(u.cpuNanoseconds, 1_500_000_000)
        XCTAssertEqual(u.memoryBytes, 1000)
        XCTAssertEqual(u.peakMemoryBytes, 5000)
        XCTAssertEqual(u.oomKills, 1)
        XCTAssertEqual(u.pids, 2)
        XCTAssertEqual(u.ioReadBytes, 300)
        XCTAssertEqual(u.ioWriteBytes, 700)
    }

    func testCounterCacheRereadsOpenFilesAndLetsGo() throws {
        try put("joblet/j1/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\n")
        try put("joblet/j1/memory.current", "4096\n")
        let controller = CgroupV2Controller(root: root)
        let cgroup = JobCgroup(relativePath: "joblet/j1")
        XCTAssertEqual(controller.cpuAndMemory(of: cgroup).cpuNanoseconds, 2_500_000_000)
        let cache = CgroupCounterCache()
        var asked = 0
        let files = { asked += 1; return controller.counterFiles(of: cgroup) }
        XCTAssertEqual(cache.read(id: "j1", files: files).memoryBytes, 4096)
        // The same descriptors see new contents (cgroupfs regenerates them; here the file is rewritten in place).
        let fd = open("\(root)/joblet/j1/memory.current", O_WRONLY | O_TRUNC)
        _ = "8192\n".withCString { write(fd, $0, 5) }
        close(fd)
        let again = cache.read(id: "j1", files: files)
        XCTAssertEqual(again.memoryBytes, 8192)
        XCTAssertEqual(again.cpuNanoseconds, 2_500_000_000)
        XCTAssertEqual(asked, 1, "files are opened once")
        cache.keepOnly([])
        XCTAssertEqual(cache.read(id: "j1", files: files).memoryBytes, 8192)
        XCTAssertEqual(asked, 2, "reopened after keepOnly let it go")
        XCTAssertNil(cache.read(id: "gone", files: { controller.counterFiles(of: JobCgroup(relativePath: "joblet/gone")) }).cpuNanoseconds)
    }

    func testMissingCgroupReadsAsNothing() {
        let u = CgroupV2Controller(root: root).usage(of: JobCgroup(relativePath: "joblet/gone"))
        XCTAssertNil(u.cpuNanoseconds)
        XCTAssertNil(u.memoryBytes)
    }
}
