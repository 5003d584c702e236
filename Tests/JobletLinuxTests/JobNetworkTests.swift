import CJobletLinux
import Foundation
import JobletCore
import XCTest
@testable import JobletLinux

/// A job's network namespace from the runner up (rtnetlink from netlink.c, the init's side in
/// init.c), on a bridge this test makes and removes; and volume creation that must fail whole.
final class JobNetworkTests: XCTestCase {
    func testLoopbackOnlyJobSeesOnlyLo() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' '; cat /sys/class/net/lo/operstate 2>/dev/null; true")
        spec.network = .loopback
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        XCTAssertEqual(log.split(separator: "\n").first, "lo", log)
        XCTAssertFalse(log.contains("eth0"), log)
    }

    func testBridgedJobGetsEth0WithItsAddressAndDefaultRoute() async throws {
        let fixture = try JobFixture()
        let bridge = "jbt" + String(UUID().uuidString.prefix(8)).lowercased()
        XCTAssertEqual(CJobletLinux_net_bridge_add(bridge), 0)
        defer { _ = CJobletLinux_net_link_delete(bridge) }
        let cidr = try IPv4CIDR(parsing: "10.231.200.0/24")
        XCTAssertEqual(CJobletLinux_net_address_add(CJobletLinux_net_link_index(bridge), cidr.gateway.bigEndian, 24), 0)
        XCTAssertEqual(CJobletLinux_net_address_add(CJobletLinux_net_link_index(bridge), cidr.gateway.bigEndian, 24), 0, "EEXIST is success")
        var spec = fixture.spec("cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' | sort | tr '\\n' ' '; echo; "
                                + "awk 'NR > 1 && $2 == \"00000000\" {print \"default via\", $3}' /proc/net/route; "
                                + "python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((\"10.231.200.1\", 9)); print(s.getsockname()[0])'")
        spec.network = .bridge(bridge: bridge, address: cidr.base + 7, prefix: 24, gateway: cidr.gateway, isolated: false)
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "eth0 lo ", log)
        XCTAssertEqual(lines.dropFirst().first, "default via 01C8E70A", log)  // 10.231.200.1, little-endian hex
        XCTAssertEqual(lines.last, "10.231.200.7", log)
        // The veth went with the job's namespace.
        let deadline = ContinuousClock.now + .seconds(5)
        while CJobletLinux_net_link_index(JobVeth.hostName(jobID: spec.jobID)) > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertLessThan(CJobletLinux_net_link_index(JobVeth.hostName(jobID: spec.jobID)), 0)
    }

    func testAMissingBridgeFailsTheLaunchAndNamesIt() throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("true")
        spec.network = .bridge(bridge: "jbt-missing", address: 0x0AE7_C807, prefix: 24, gateway: 0x0AE7_C801, isolated: false)
        XCTAssertThrowsError(try fixture.runner.start(spec)) { XCTAssertTrue("\($0)".contains("jbt-missing"), "\($0)") }
    }

    func testVolumeCreationThatFailsLeavesNothingAndSaysWhy() throws {
        try XCTSkipUnless(getuid() == 0, "mounts need root")
        let dir = NSTemporaryDirectory() + "jobvol-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = LinuxVolumeHost(directory: dir, mkfs: "/nonexistent/mkfs.ext4")
        let v = Volume(name: "v", kind: .filesystem, sizeBytes: 8 << 20, createdAt: Date())
        XCTAssertThrowsError(try host.create(v)) { XCTAssertTrue("\($0)".contains("e2fsprogs"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/v"))
        XCTAssertFalse(host.isMounted(dir), "the last volume gone, the shared mount goes too")
    }
}
