import XCTest
@testable import JobletCore

/// CIDR parsing and overlap, network names, address allocation: the pure rules of job networks.
final class NetworkRulesTests: XCTestCase {
    private func refusal(_ text: String) -> String? {
        do { _ = try IPv4CIDR(parsing: text); return nil } catch { return error.message }
    }

    func testParsesPrivateNetworks() throws {
        let c = try IPv4CIDR(parsing: "10.10.0.0/24")
        XCTAssertEqual(c.description, "10.10.0.0/24")
        XCTAssertEqual(IPv4CIDR.format(c.gateway), "10.10.0.1")
        XCTAssertEqual(IPv4CIDR.format(c.jobAddresses.lowerBound), "10.10.0.2")
        XCTAssertEqual(IPv4CIDR.format(c.jobAddresses.upperBound), "10.10.0.254")
        XCTAssertEqual(try IPv4CIDR(parsing: "172.31.255.248/29").jobAddresses.count, 5)
        XCTAssertEqual(try IPv4CIDR(parsing: "192.168.0.0/16").size, 65_536)
    }

    func testRefusesMalformedPublicAndOddRanges() {
        for bad in ["", "10.0.0.0", "10.0.0/24", "10.0.0.0/", "10.0.0.0/x", "10.0.0.256/24", "10.0.0.0/24/1",
                    "010.0.0.0.0/24", "1e1.0.0.0/24", "10.0.0.0/-1", "10.0.0.0/33", " 10.0.0.0/24", "١٠.0.0.0/24"] {
            XCTAssertNotNil(refusal(bad), bad)
        }
        XCTAssertTrue(refusal("10.0.0.1/24")!.contains("did you mean 10.0.0.0/24"))
        XCTAssertTrue(refusal("8.8.8.0/24")!.contains("private"))
        XCTAssertTrue(refusal("172.32.0.0/16")!.contains("private"))  // just past 172.16.0.0/12
        XCTAssertTrue(refusal("10.0.0.0/8")!.contains("/16 to /29"))
        XCTAssertTrue(refusal("10.0.0.0/30")!.contains("/16 to /29"))
    }

    func testOverlap() throws {
        let a = try IPv4CIDR(parsing: "10.1.0.0/16"), b = try IPv4CIDR(parsing: "10.1.200.0/24")
        let c = try IPv4CIDR(parsing: "10.2.0.0/24"), d = try IPv4CIDR(parsing: "10.1.255.248/29")
        XCTAssertTrue(a.overlaps(b) && b.overlaps(a) && a.overlaps(d) && a.overlaps(a))
        XCTAssertFalse(a.overlaps(c) || c.overlaps(b) || b.overlaps(d))
        XCTAssertTrue(a.contains(address: try XCTUnwrap(IPv4CIDR.parseAddress("10.1.9.9"))))
        XCTAssertFalse(a.contains(address: try XCTUnwrap(IPv4CIDR.parseAddress("10.2.0.1"))))
    }

    func testCustomNetworkNamesFitALinuxInterfaceName() throws {
        for ok in ["a", "backend", "net_1-x", "abcdefghijkl"] {
            XCTAssertNoThrow(try JobNetwork.checkCustomName(ok), ok)
            XCTAssertLessThanOrEqual(JobNetwork.bridgeName(forCustom: ok).utf8.count, 15)
        }
        for bad in ["", "1net", "-net", "has space", "a/b", "née", "abcdefghijklm"] {
            XCTAssertThrowsError(try JobNetwork.checkCustomName(bad), bad)
        }
        for builtIn in JobNetwork.builtInNames {
            XCTAssertThrowsError(try JobNetwork.checkCustomName(builtIn)) { XCTAssertEqual(($0 as? JobletError)?.code, .alreadyExists) }
        }
    }

    func testFirstFreeSkipsTheGatewayAndTakenAddressesAndStopsWhenFull() throws {
        let c = try IPv4CIDR(parsing: "10.0.0.0/29")
        XCTAssertEqual(NetworkAllocation.firstFree(in: c, taken: []), c.base + 2)
        XCTAssertEqual(NetworkAllocation.firstFree(in: c, taken: [c.base + 2, c.base + 3]), c.base + 4)
        XCTAssertEqual(NetworkAllocation.firstFree(in: c, taken: [c.base + 2, c.base + 4]), c.base + 3)
        XCTAssertNil(NetworkAllocation.firstFree(in: c, taken: Set((2...6).map { c.base + UInt32($0) })))
    }
}

/// The registry over a real SQLite file, with a host that records what it was asked to do.
final class NetworkRegistryTests: XCTestCase {
    final class RecordingHost: NetworkHost, @unchecked Sendable {
        let lock = NSLock()
        var established: [[String]] = []
        var removed: [String] = []
        var routes: [IPv4CIDR] = []
        var failEstablish = false
        func establish(_ networks: [JobNetwork]) throws {
            lock.lock(); defer { lock.unlock() }
            if failEstablish { throw JobletError.internal("nft said no") }
            established.append(networks.map(\.name))
        }
        func removeBridge(of network: JobNetwork) throws {
            lock.lock(); defer { lock.unlock() }
            removed.append(network.bridge)
        }
        func hostRoutes() -> [IPv4CIDR] { routes }
        /// Addresses another server holds.
        var elsewhere: Set<UInt32> = []
        var claims: [UInt32: String] = [:]
        func claim(address: UInt32, on network: JobNetwork, jobID: String) -> Bool {
            lock.lock(); defer { lock.unlock() }
            guard !elsewhere.contains(address), claims[address] == nil || claims[address] == jobID else { return false }
            claims[address] = jobID
            return true
        }
        func unclaim(address: UInt32, on network: JobNetwork, jobID: String) {
            lock.lock(); defer { lock.unlock() }
            if claims[address] == jobID { claims[address] = nil }
        }
    }

    private func registry() throws -> (NetworkRegistry, RecordingHost, JobStore) {
        let store = try JobStore(dataDirectory: try makeTemporaryDirectory(self))
        let host = RecordingHost()
        return (NetworkRegistry(store: store, host: host), host, store)
    }

    func testCreateChecksOverlapWithNetworksAndHostRoutesAndRollsBack() throws {
        let (r, host, _) = try registry()
        host.routes = [try IPv4CIDR(parsing: "10.9.0.0/16")]
        let n = try r.create(name: "blue", cidr: "10.1.0.0/24")
        XCTAssertEqual(n.bridge, "jb-blue")
        XCTAssertEqual(host.established.last, ["bridge", "isolated", "none", "host", "blue"])
        XCTAssertThrowsError(try r.create(name: "red", cidr: "10.1.0.128/25")) { XCTAssertTrue("\($0)".contains("overlaps network 'blue'")) }
        XCTAssertThrowsError(try r.create(name: "red", cidr: "172.20.1.0/24")) { XCTAssertTrue("\($0)".contains("'bridge'")) }
        XCTAssertThrowsError(try r.create(name: "red", cidr: "10.9.4.0/24")) { XCTAssertTrue("\($0)".contains("route")) }
        XCTAssertThrowsError(try r.create(name: "blue", cidr: "10.2.0.0/24")) { XCTAssertEqual(($0 as? JobletError)?.code, .alreadyExists) }
        host.failEstablish = true
        XCTAssertThrowsError(try r.create(name: "green", cidr: "10.3.0.0/24"))
        host.failEstablish = false
        XCTAssertEqual(try r.all().map(\.name), ["bridge", "isolated", "none", "host", "blue"], "a failed create leaves no row")
        XCTAssertEqual(host.removed, ["jb-green"])
    }

    func testAllocationIsStoredPerJobAndFreedAndAFullNetworkIsExhausted() throws {
        let (r, host, store) = try registry()
        let n = try r.create(name: "tiny", cidr: "10.4.0.0/29")
        let addresses = try (0..<5).map { try r.allocate(on: n, jobID: "job-\($0)", jobName: "j\($0)") }
        XCTAssertEqual(addresses.map(IPv4CIDR.format), (2...6).map { "10.4.0.\($0)" })
        XCTAssertEqual(Set(host.claims.keys), Set(addresses))
        XCTAssertThrowsError(try r.checkFreeAddress(on: n)) { XCTAssertEqual(($0 as? JobletError)?.code, .resourceExhausted) }
        XCTAssertThrowsError(try r.allocate(on: n, jobID: "job-9", jobName: "")) { XCTAssertEqual(($0 as? JobletError)?.code, .resourceExhausted) }
        XCTAssertEqual(try r.jobCount(of: n), 5)
        r.release(jobID: "job-2")
        XCTAssertNil(host.claims[addresses[2]], "released host-wide too")
        XCTAssertEqual(IPv4CIDR.format(try r.allocate(on: n, jobID: "job-9", jobName: "")), "10.4.0.4")
        XCTAssertEqual(try r.peers(on: "tiny").map(\.jobName).sorted(), ["", "j0", "j1", "j3", "j4"])
        XCTAssertThrowsError(try r.remove(name: "tiny")) { XCTAssertEqual(($0 as? JobletError)?.code, .failedPrecondition) }
        // Jobs that are not in the database (or final) lose their addresses at start.
        try r.establishAtStart()
        XCTAssertEqual(try store.allocations(network: "tiny"), [])
        try r.remove(name: "tiny")
        XCTAssertThrowsError(try r.remove(name: "tiny")) { XCTAssertEqual(($0 as? JobletError)?.code, .notFound) }
        XCTAssertThrowsError(try r.remove(name: "bridge")) { XCTAssertEqual(($0 as? JobletError)?.code, .failedPrecondition) }
    }

    func testAnAddressAnotherServerHoldsIsSkipped() throws {
        let (r, host, _) = try registry()
        let n = try r.create(name: "shared", cidr: "10.5.0.0/29")
        host.elsewhere = [n.cidr!.base + 2, n.cidr!.base + 3]
        XCTAssertEqual(IPv4CIDR.format(try r.allocate(on: n, jobID: "a", jobName: "")), "10.5.0.4")
        XCTAssertEqual(IPv4CIDR.format(try r.allocate(on: n, jobID: "b", jobName: "")), "10.5.0.5")
        _ = try r.allocate(on: n, jobID: "c", jobName: "")
        XCTAssertThrowsError(try r.allocate(on: n, jobID: "d", jobName: "")) { XCTAssertEqual(($0 as? JobletError)?.code, .resourceExhausted) }
        XCTAssertNil(try r.peers(on: "shared").first { $0.jobID == "d" }, "a refused job keeps no row")
    }

    func testAJobsNetworkIsItsRequestsOrTheDefaultAndUnknownOnesNameTheOthers() throws {
        let (r, _, _) = try registry()
        XCTAssertEqual(try r.network(forJob: "").name, "bridge")
        XCTAssertEqual(try r.network(forJob: "none").kind, .loopback)
        XCTAssertThrowsError(try r.network(forJob: "nope")) {
            XCTAssertEqual(($0 as? JobletError)?.code, .invalidArgument)
            XCTAssertTrue("\($0)".contains("bridge, isolated, none, host"))
        }
    }
}
