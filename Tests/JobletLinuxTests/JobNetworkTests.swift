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

    /// Recycled namespaces (RecycledNamespaces.swift): the next job on a bridge joins the namespace
    /// the last one left, gets its own address and route in it, and the veth keeps its first name;
    /// a kept namespace has no address or route; one with a socket alive in it is not kept.
    func testAnEndedJobsNamespaceServesTheNextJobAndOneWithASocketIsNotKept() async throws {
        var config = LocalJobRunnerConfig()
        config.recycledNamespaces = 2
        let fixture = try JobFixture(config: config)
        let recycled = try XCTUnwrap(fixture.runner.recycled)
        let bridge = "jbt" + String(UUID().uuidString.prefix(8)).lowercased()
        XCTAssertEqual(CJobletLinux_net_bridge_add(bridge), 0)
        defer { recycled.discard(bridge: bridge); _ = CJobletLinux_net_link_delete(bridge) }
        let cidr = try IPv4CIDR(parsing: "10.231.201.0/24")
        XCTAssertEqual(CJobletLinux_net_address_add(CJobletLinux_net_link_index(bridge), cidr.gateway.bigEndian, 24), 0)
        let script = "python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((\"10.231.201.1\", 9)); print(s.getsockname()[0])'; "
            + "awk 'NR > 1 && $2 == \"00000000\" {print \"default via\", $3}' /proc/net/route"
        var first = fixture.spec(script)
        first.network = .bridge(bridge: bridge, address: cidr.base + 8, prefix: 24, gateway: cidr.gateway, isolated: false)
        let (exit1, log1) = try await fixture.run(first)
        XCTAssertEqual(exit1.exitCode, 0, log1)
        XCTAssertEqual(log1, "10.231.201.8\ndefault via 01C9E70A\n")
        try await Self.waitUntil { recycled.count(bridge: bridge) == 1 }  // its UDP socket may take a moment to go
        XCTAssertEqual(recycled.count(bridge: bridge), 1, "the first job's namespace is kept")
        let firstVeth = JobVeth.hostName(jobID: first.jobID)
        XCTAssertGreaterThan(CJobletLinux_net_link_index(firstVeth), 0, "its veth stays on the bridge")
        // Kept without an address: no route is left in it.
        let kept = try XCTUnwrap(recycled.take(bridge: bridge))
        let routes = try Self.inNamespace(kept.fd, ["cat", "/proc/net/route"])
        XCTAssertEqual(routes.split(separator: "\n").count, 1, "only the header: \(routes)")
        recycled.offer(fd: kept.fd, bridge: bridge, address: cidr.base + 8, prefix: 24, veth: kept.veth)
        try await Self.waitUntil { recycled.count(bridge: bridge) == 1 }  // netlink sockets are freed after an RCU grace period
        XCTAssertEqual(recycled.count(bridge: bridge), 1)

        var second = fixture.spec(script)
        second.network = .bridge(bridge: bridge, address: cidr.base + 9, prefix: 24, gateway: cidr.gateway, isolated: false)
        let (exit2, log2) = try await fixture.run(second)
        XCTAssertEqual(exit2.exitCode, 0, log2)
        XCTAssertEqual(log2, "10.231.201.9\ndefault via 01C9E70A\n", "the second job has its own address and route")
        XCTAssertLessThan(CJobletLinux_net_link_index(JobVeth.hostName(jobID: second.jobID)), 0, "no veth was made for it")
        XCTAssertGreaterThan(CJobletLinux_net_link_index(firstVeth), 0)
        try await Self.waitUntil { recycled.count(bridge: bridge) == 1 }
        XCTAssertEqual(recycled.count(bridge: bridge), 1, "kept again after the second job")

        // A socket alive in the namespace (a descriptor held outside the job): not kept.
        let busy = try XCTUnwrap(recycled.take(bridge: bridge))
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        holder.arguments = ["--net=/proc/\(getpid())/fd/\(busy.fd)", "python3", "-c",
                            "import socket, sys, time; s = socket.socket(); print('ready', flush=True); time.sleep(3)"]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        _ = out.fileHandleForReading.availableData  // "ready": the socket exists
        recycled.offer(fd: busy.fd, bridge: bridge, address: cidr.base + 9, prefix: 24, veth: busy.veth, retries: [])
        XCTAssertEqual(recycled.count(bridge: bridge), 0, "a namespace with a live socket is not kept")
    }

    private static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(3)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Runs `argv` in the network namespace `fd` (of this process) and returns its output.
    private static func inNamespace(_ fd: Int32, _ argv: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        p.arguments = ["--net=/proc/\(getpid())/fd/\(fd)"] + argv
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
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
