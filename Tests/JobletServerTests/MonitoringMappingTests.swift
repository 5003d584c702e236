import Foundation
import JobletAPI
import JobletCore
@testable import JobletLinux
import XCTest
@testable import JobletServer

final class MonitoringMappingTests: XCTestCase {
    func snapshot() -> SystemSnapshot {
        var host = HostSnapshot()
        host.hostname = "node-a"
        host.cpuCount = 2
        host.totalMemoryBytes = 1 << 30
        var cpu = CPUSnapshot()
        cpu.usagePercent = 42
        cpu.perCoreUsagePercent = [40, 44]
        var memory = MemorySnapshot()
        memory.totalBytes = 1 << 30
        var net = NetworkSnapshot(interface: "eth0")
        net.receiveRate = 100
        var proc = ProcessesSnapshot()
        proc.total = 3
        proc.topByCPU = [ProcessSnapshot(pid: 7, ppid: 1, name: "worker", command: "worker --fast", user: "root", status: "running")]
        return SystemSnapshot(time: Date(timeIntervalSince1970: 1_764_700_000), host: host, cpu: cpu, memory: memory,
                              disks: [DiskSnapshot(device: "/dev/vda", mountPoint: "/", filesystem: "ext4")], networks: [net],
                              io: IOSnapshot(), processes: proc, cloud: CloudSnapshot(), intervalSeconds: 1)
    }

    func testStatusFillsEverySectionAndTheNodeID() {
        let r = MonitoringMapping.status(snapshot(), nodeID: "0d7c…")
        XCTAssertTrue(r.available)
        XCTAssertEqual(r.timestamp, "2025-12-02T18:26:40.000000Z")
        XCTAssertEqual(r.host?.nodeId, "0d7c…")
        XCTAssertEqual(r.host?.cpuCount, 2)
        XCTAssertEqual(r.cpu?.perCoreUsage, [40, 44])
        XCTAssertEqual(r.disks.first?.mountPoint, "/")
        XCTAssertEqual(r.networks.first?.receiveRate, 100)
        XCTAssertEqual(r.processes?.topByCPU.first?.command, "worker --fast")
        XCTAssertEqual(r.serverVersion?.component, "jobletd")
        XCTAssertTrue(r.serverVersion?.goVersion.hasPrefix("swift ") ?? false)
    }

    func testMetricsLeaveOutUnaskedSections() throws {
        let sections = try MetricSections.parse(["CPU", "networks"]).get()
        let r = MonitoringMapping.metrics(snapshot(), nodeID: "n", sections: sections)
        XCTAssertNotNil(r.cpu)
        XCTAssertEqual(r.networks.count, 1)
        XCTAssertNil(r.memory)
        XCTAssertTrue(r.disks.isEmpty)
        XCTAssertNil(r.processes)
        XCTAssertEqual(r.host?.hostname, "node-a", "host is always there")
        XCTAssertEqual(try MetricSections.parse([]).get(), .all)
        XCTAssertEqual(try MetricSections.parse(["processes", "disks", "io"]).get(), [.process, .disk, .io])
        guard case .failure(let e) = MetricSections.parse(["cpu", "gpu"]) else { return XCTFail("gpu accepted") }
        XCTAssertEqual(e.name, "gpu")
    }
}
