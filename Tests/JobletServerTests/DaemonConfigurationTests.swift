import Foundation
import XCTest
@testable import JobletServer

final class DaemonConfigurationTests: XCTestCase {
    func testParsesAddresses() throws {
        XCTAssertTrue(try DaemonConfiguration.parseAddress("127.0.0.1:50051") == ("127.0.0.1", 50051))
        XCTAssertTrue(try DaemonConfiguration.parseAddress("[::1]:9000") == ("::1", 9000))
        XCTAssertTrue(try DaemonConfiguration.parseAddress(":8080") == ("0.0.0.0", 8080))
        XCTAssertTrue(try DaemonConfiguration.parseAddress("localhost:0") == ("localhost", 0))
    }

    func testRejectsBadAddresses() {
        for bad in ["50051", "host:", "host:http", "host:70000", "host:-1"] {
            XCTAssertThrowsError(try DaemonConfiguration.parseAddress(bad), bad) { error in
                XCTAssertTrue("\(error)".contains("address '\(bad)'"), "\(error)")
            }
        }
    }

    func testYAMLOverridesOnlyTheKeysItNames() throws {
        let file = try temporaryFile("""
        server:
          address: "[::1]:7000"
          data: /var/lib/jobletd
          maxReceiveMessageSize: 1048576
        jobs:
          defaultMaxMemoryMB: 256
          stopGraceMilliseconds: 500
          initPath: /opt/jobletd/joblet-init
        """)
        var c = DaemonConfiguration()
        try c.load(yamlFile: file)
        XCTAssertEqual(c.host, "::1")
        XCTAssertEqual(c.port, 7000)
        XCTAssertEqual(c.dataDirectory, "/var/lib/jobletd")
        XCTAssertEqual(c.certsDirectory, "./certs")
        XCTAssertEqual(c.maxReceiveMessageSize, 1_048_576)
        XCTAssertEqual(c.jobDefaults.maxMemoryMB, 256)
        XCTAssertEqual(c.jobDefaults.maxCPU, 100)
        XCTAssertEqual(c.stopGraceMilliseconds, 500)
        XCTAssertEqual(c.jobInitPath, "/opt/jobletd/joblet-init")
    }

    func testUnreadableAndInvalidConfigsSayWhy() throws {
        var c = DaemonConfiguration()
        XCTAssertThrowsError(try c.load(yamlFile: "/nonexistent/joblet.yml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot read config /nonexistent/joblet.yml"), "\(error)")
        }
        let bad = try temporaryFile("server: [this is: not, a mapping")
        XCTAssertThrowsError(try c.load(yamlFile: bad)) { error in
            XCTAssertTrue("\(error)".contains("is not valid"), "\(error)")
        }
        let wrongType = try temporaryFile("server:\n  maxReceiveMessageSize: lots\n")
        XCTAssertThrowsError(try c.load(yamlFile: wrongType))
    }

    func testEventLoopSpinPolls() throws {
        var c = DaemonConfiguration()
        XCTAssertEqual(c.eventLoopSpinPolls, 50)
        try c.load(yamlFile: try temporaryFile("server:\n  eventLoopSpinPolls: 0\n"))
        XCTAssertEqual(c.eventLoopSpinPolls, 0)
        XCTAssertThrowsError(try c.load(yamlFile: try temporaryFile("server:\n  eventLoopSpinPolls: -1\n"))) { error in
            XCTAssertTrue("\(error)".contains("server.eventLoopSpinPolls must be 0...100000, got -1"), "\(error)")
        }
        XCTAssertEqual(c.eventLoopSpinPolls, 0)
    }

    func testWatchBacklog() throws {
        var c = DaemonConfiguration()
        XCTAssertEqual(c.watchBacklog, 10_000)
        try c.load(yamlFile: try temporaryFile("server:\n  watchBacklog: 500\n"))
        XCTAssertEqual(c.watchBacklog, 500)
        XCTAssertThrowsError(try c.load(yamlFile: try temporaryFile("server:\n  watchBacklog: 3\n"))) { error in
            XCTAssertTrue("\(error)".contains("server.watchBacklog must be at least 16, got 3"), "\(error)")
        }
        XCTAssertEqual(c.watchBacklog, 500)
    }

    func testEmptyConfigFileKeepsDefaults() throws {
        var c = DaemonConfiguration()
        try c.load(yamlFile: try temporaryFile(""))
        XCTAssertEqual(c, DaemonConfiguration())
    }

    private func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "jobletd-config-\(UUID().uuidString).yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

final class SkyPilotSettingsTests: XCTestCase {
    func testYAMLThenEnvironmentFillsGaps() throws {
        let path = NSTemporaryDirectory() + "jobletd-sky-\(UUID().uuidString).yml"
        try """
        skypilot:
          endpoint: http://127.0.0.1:46580
          pollIntervalSeconds: 1.5
          defaultAccelerator: A100
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = DaemonConfiguration()
        try c.load(yamlFile: path)
        c.skypilot.apply(environment: ["JOBLET_SKYPILOT_ENDPOINT": "http://elsewhere:1", "JOBLET_SKYPILOT_TOKEN": "sky_abc"])
        XCTAssertEqual(c.skypilot.endpoint, "http://127.0.0.1:46580", "the file wins over the environment")
        XCTAssertEqual(c.skypilot.token, "sky_abc")
        XCTAssertEqual(c.skypilot.pollIntervalSeconds, 1.5)
        XCTAssertEqual(c.skypilot.defaultAccelerator, "A100")
    }

    func testNoSkyPilotByDefault() {
        var s = DaemonConfiguration.SkyPilotSettings()
        s.apply(environment: [:])
        XCTAssertNil(s.endpoint)
    }
}
