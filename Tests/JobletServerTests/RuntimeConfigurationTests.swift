import Foundation
@testable import JobletServer
import XCTest

/// The `runtimes:` section of the config file: defaults, values, and refusals that name the key.
final class RuntimeConfigurationTests: XCTestCase {
    func testDefaults() {
        let r = DaemonConfiguration().runtimes
        XCTAssertNil(r.path)
        XCTAssertEqual(r.directory(dataDirectory: "/srv/data"), "/srv/data/runtimes")
        XCTAssertEqual(r.githubBaseURL, "https://codeload.github.com")
        XCTAssertEqual(r.buildTimeoutSeconds, 1800)
    }

    func testEveryKeyIsRead() throws {
        var c = DaemonConfiguration()
        try c.load(yamlFile: try temporaryFile("""
            runtimes:
              path: /opt/rt
              githubBaseURL: http://127.0.0.1:8080/base
              githubTimeoutSeconds: 5
              githubMaxBytes: 1000
              buildTimeoutSeconds: 60
              buildMaxMemoryMB: 0
            """))
        XCTAssertEqual(c.runtimes.directory(dataDirectory: "/x"), "/opt/rt")
        XCTAssertEqual(c.runtimes.githubBaseURL, "http://127.0.0.1:8080/base")
        XCTAssertEqual(c.runtimes.githubTimeoutSeconds, 5)
        XCTAssertEqual(c.runtimes.githubMaxBytes, 1000)
        XCTAssertEqual(c.runtimes.buildTimeoutSeconds, 60)
        XCTAssertEqual(c.runtimes.buildMaxMemoryMB, 0)
    }

    func testBadValuesAreRefusedNamingTheKey() throws {
        let cases = [
            ("runtimes:\n  githubBaseURL: ftp://x\n", "runtimes.githubBaseURL must be an http(s) URL"),
            ("runtimes:\n  path: ''\n", "runtimes.path must not be empty"),
            ("runtimes:\n  buildTimeoutSeconds: 0\n", "runtimes.buildTimeoutSeconds must be > 0"),
            ("runtimes:\n  githubMaxBytes: -1\n", "runtimes.githubMaxBytes must be > 0"),
            ("runtimes:\n  buildMaxMemoryMB: -1\n", "runtimes.buildMaxMemoryMB must be >= 0"),
            ("runtimes:\n  githubBaseUrl: http://x\n", "githubBaseUrl"),
        ]
        for (yaml, needle) in cases {
            var c = DaemonConfiguration()
            XCTAssertThrowsError(try c.load(yamlFile: try temporaryFile(yaml)), yaml) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(error)")
            }
        }
    }

    private func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "jobletd-runtime-config-\(UUID().uuidString).yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
