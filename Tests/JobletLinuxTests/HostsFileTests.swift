import Foundation
import Glibc
import Synchronization
import XCTest
@testable import JobletLinux
import JobletCore

/// A job's /etc/hosts is rewritten on the inode bind-mounted into the job, and peers' rewrites
/// are coalesced per burst of launches.
final class HostsFileTests: XCTestCase {
    var base = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/joblet-hosts-XXXXXX".utf8CString)
        base = String(cString: mkdtemp(&template)!)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: base) }

    private func inode(_ path: String) -> ino_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_ino : nil
    }

    func testARewriteKeepsTheInodeAndCutsAShorterContentToItsLength() throws {
        let path = base + "/hosts"
        try FileIO.writeInPlace("a long first version of the file\n", to: path, create: true, mode: 0o644)
        let first = try XCTUnwrap(inode(path))
        try FileIO.writeInPlace("short\n", to: path, create: false, mode: 0o644)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "short\n")
        XCTAssertEqual(inode(path), first)
        try FileIO.writeInPlace("longer than short, again\n", to: path, create: false, mode: 0o644)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "longer than short, again\n")
        XCTAssertEqual(inode(path), first)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o644)
    }

    func testWithoutCreateAMissingFileStaysMissing() {
        let path = base + "/gone/hosts"
        XCTAssertThrowsError(try FileIO.writeInPlace("x\n", to: path, create: false, mode: 0o644))
        XCTAssertThrowsError(try FileIO.writeInPlace("x\n", to: base + "/absent", create: false, mode: 0o644))
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/absent"))
    }

    func testANameThatReadsAsAnAddressIsNoHostName() {
        for name in ["trainer", "job-1", "db.local", "1a", "x123", "123abc"] {
            XCTAssertEqual(LocalBackend.hostName(name), name)
        }
        // Each of these resolves as an IPv4 address (inet_aton's forms), never as the job.
        for name in ["123", "10.1", "10.0.0.7", "0x7f", "0x7f.1", "017", "4294967295"] {
            XCTAssertNil(LocalBackend.hostName(name), name)
        }
        for name in ["", "has space", "a/b", String(repeating: "a", count: 64)] {
            XCTAssertNil(LocalBackend.hostName(name), name)
        }
    }

    func testAHostsFileLeavesOutPeersWhoseNamesAreNotHostNames() throws {
        let path = base + "/hosts"
        let peers = [NetworkAllocation(network: "n", address: 0x0A00_0003, jobID: "11111111-aaaa", jobName: "123"),
                     NetworkAllocation(network: "n", address: 0x0A00_0004, jobID: "22222222-bbbb", jobName: "web")]
        try LocalBackend.writeHosts(own: 0x0A00_0002, shortID: "33333333", name: "42", peers: peers, to: path, create: true)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("10.0.0.2\t33333333\n"), text)
        XCTAssertTrue(text.contains("10.0.0.3\t11111111\n"), text)
        XCTAssertTrue(text.contains("10.0.0.4\tweb 22222222\n"), text)
        XCTAssertFalse(text.contains("123") || text.contains("42"), text)
    }

    func testABurstOfSchedulesRunsTheWorkOnceAndALaterOneRunsItAgain() {
        let refresh = PeerHostsRefresh()
        let runs = Mutex(0)
        let first = expectation(description: "first burst")
        for _ in 0..<50 {
            refresh.schedule("net", after: .milliseconds(30)) {
                if runs.withLock({ $0 += 1; return $0 }) == 1 { first.fulfill() }
            }
        }
        wait(for: [first], timeout: 5)
        XCTAssertEqual(runs.withLock { $0 }, 1)
        let second = expectation(description: "second burst")
        refresh.schedule("net", after: .milliseconds(1)) { runs.withLock { $0 += 1 }; second.fulfill() }
        wait(for: [second], timeout: 5)
        XCTAssertEqual(runs.withLock { $0 }, 2)
    }
}
