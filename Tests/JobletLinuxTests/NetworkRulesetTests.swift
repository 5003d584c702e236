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

    func testVethNamesFitAndComeFromTheJobID() {
        XCTAssertEqual(JobVeth.hostName(jobID: "0cd2cd85-d638-4ef6-8f67-538028319549"), "vj0cd2cd85")
        XCTAssertLessThanOrEqual(JobVeth.hostName(jobID: String(repeating: "f", count: 40)).utf8.count, 15)
    }
}
