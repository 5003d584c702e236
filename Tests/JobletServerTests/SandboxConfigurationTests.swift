import Foundation
@testable import JobletServer
import XCTest

/// The sandbox keys of the config file (issue 16): defaults, values, and refusals that say why.
final class SandboxConfigurationTests: XCTestCase {
    func testDefaults() {
        let c = DaemonConfiguration()
        XCTAssertEqual(c.jobSeccomp, "default")
        XCTAssertEqual(c.minFreeDiskMB, 256)
        XCTAssertEqual(c.jobMaxLogBytes, 1 << 30)
        XCTAssertEqual(c.jobFirstUID, 200_000)
        XCTAssertEqual(c.jobUIDCount, 65_536)
        XCTAssertEqual(c.jobDefaultWorkspaceMB, 0)
    }

    func testEveryKeyIsRead() throws {
        var c = DaemonConfiguration()
        try c.load(yamlFile: try temporaryFile("""
            server:
              minFreeDiskMB: 64
            jobs:
              seccomp: unconfined
              maxLogBytes: 1048576
              firstUID: 300000
              uidCount: 10
              defaultWorkspaceMB: 100
            """))
        XCTAssertEqual(c.jobSeccomp, "unconfined")
        XCTAssertEqual(c.minFreeDiskMB, 64)
        XCTAssertEqual(c.jobMaxLogBytes, 1_048_576)
        XCTAssertEqual(c.jobFirstUID, 300_000)
        XCTAssertEqual(c.jobUIDCount, 10)
        XCTAssertEqual(c.jobDefaultWorkspaceMB, 100)
    }

    func testBadValuesAreRefusedNamingTheKey() throws {
        let cases = [
            ("jobs:\n  seccomp: strict\n", "jobs.seccomp must be one of default, unconfined, got 'strict'"),
            ("server:\n  minFreeDiskMB: -1\n", "server.minFreeDiskMB must be >= 0"),
            ("jobs:\n  maxLogBytes: -5\n", "jobs.maxLogBytes must be >= 0"),
            ("jobs:\n  firstUID: 10\n", "jobs.firstUID must be 0"),
            ("jobs:\n  uidCount: 0\n", "jobs.uidCount must be 1...16777216"),
            ("jobs:\n  defaultWorkspaceMB: -1\n", "jobs.defaultWorkspaceMB must be >= 0"),
        ]
        for (yaml, needle) in cases {
            var c = DaemonConfiguration()
            XCTAssertThrowsError(try c.load(yamlFile: try temporaryFile(yaml)), yaml) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(error)")
            }
        }
    }

    private func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "jobletd-sandbox-config-\(UUID().uuidString).yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
