import XCTest
import JobletCore
@testable import JobletLinux

/// The nftables table jobletd loads: NAT out of each network, drops between networks.
final class NetworkRulesetTests: XCTestCase {
    func testEveryNetworkIsMasqueradedAndCutOffFromTheOthers() throws {
        let a = JobNetwork(name: "bridge", kind: .bridge, cidr: try IPv4CIDR(parsing: "172.20.0.0/16"), bridge: "joblet0", builtIn: true)
        let b = JobNetwork(name: "blue", kind: .bridge, cidr: try IPv4CIDR(parsing: "10.1.0.0/24"), bridge: "jb-blue", builtIn: false)
        let rules = LinuxNetworkHost.ruleset([a, b])
        XCTAssertTrue(rules.hasPrefix("table ip jobletd\ndelete table ip jobletd\n"), "replaced whole, idempotently")
        XCTAssertTrue(rules.contains(#"ip saddr 172.20.0.0/16 oifname != "joblet0" masquerade"#))
        XCTAssertTrue(rules.contains(#"ip saddr 10.1.0.0/24 oifname != "jb-blue" masquerade"#))
        XCTAssertTrue(rules.contains(#"iifname "joblet0" oifname { "jb-blue" } drop"#))
        XCTAssertTrue(rules.contains(#"iifname "jb-blue" oifname { "joblet0" } drop"#))
        XCTAssertFalse(LinuxNetworkHost.ruleset([a]).contains("drop"))
    }

    func testOtherServersBridgesKeepTheirRules() throws {
        let ours = JobNetwork(name: "bridge", kind: .bridge, cidr: try IPv4CIDR(parsing: "172.20.0.0/16"), bridge: "joblet0", builtIn: true)
        let merged = LinuxNetworkHost.including([("joblet0", try IPv4CIDR(parsing: "172.20.0.0/16")),
                                                 ("jb-theirs", try IPv4CIDR(parsing: "10.7.0.0/24"))], in: [ours])
        XCTAssertEqual(merged.map(\.bridge), ["joblet0", "jb-theirs"])
        XCTAssertTrue(LinuxNetworkHost.ruleset(merged).contains(#"iifname "jb-theirs" oifname { "joblet0" } drop"#))
    }

    func testVethNamesFitAndComeFromTheJobID() {
        XCTAssertEqual(JobVeth.hostName(jobID: "0cd2cd85-d638-4ef6-8f67-538028319549"), "vj0cd2cd85")
        XCTAssertLessThanOrEqual(JobVeth.hostName(jobID: String(repeating: "f", count: 40)).utf8.count, 15)
    }
}

/// Host-wide address claims, in a directory of the test's own.
final class AddressClaimsTests: XCTestCase {
    func testOneHolderPerAddressUntilReleasedOrStale() throws {
        let dir = NSTemporaryDirectory() + "claims-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var claims = AddressClaims(directory: dir, grace: 3600)
        let net = JobNetwork(name: "n", kind: .bridge, cidr: try IPv4CIDR(parsing: "10.9.0.0/24"), bridge: "jb-n", builtIn: false)
        let a = net.cidr!.base + 2
        XCTAssertTrue(claims.claim(address: a, on: net, jobID: "11111111-aaaa"))
        XCTAssertTrue(claims.claim(address: a, on: net, jobID: "11111111-aaaa"), "the holder may claim again")
        XCTAssertFalse(claims.claim(address: a, on: net, jobID: "22222222-bbbb"))
        claims.unclaim(address: a, on: net, jobID: "22222222-bbbb")  // not the holder: nothing happens
        XCTAssertFalse(claims.claim(address: a, on: net, jobID: "22222222-bbbb"))
        claims.unclaim(address: a, on: net, jobID: "11111111-aaaa")
        XCTAssertTrue(claims.claim(address: a, on: net, jobID: "22222222-bbbb"))
        // Past the grace, a claim whose job has no veth (it ended unreleased) is taken over.
        claims.grace = -1
        XCTAssertTrue(claims.claim(address: a, on: net, jobID: "33333333-cccc"))
        XCTAssertEqual(try String(contentsOfFile: claims.path(a, bridge: net.bridge), encoding: .utf8), "33333333-cccc")
    }
}
