import Foundation
import XCTest
@testable import JobletServer

/// What fuzz/ServerConfigFuzz found (docs/fuzzing.md): each config file below used to be refused
/// with text that named neither a line nor a setting.
final class ConfigFileFuzzFindingsTests: XCTestCase {
    private func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "jobletd-fuzz-finding-\(UUID().uuidString).yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Was: "config …: is not valid: DecodingError.typeMismatch: expected value of type Mapping".
    func testAFileOfOnlyCommentsLoadsLikeAnEmptyOne() throws {
        for text in ["# joble", "# jobletd config\n# server:\n#   address: 0.0.0.0:50051\n", "\n\n# x\n"] {
            var configuration = DaemonConfiguration()
            try configuration.load(yamlFile: try file(text))
            XCTAssertEqual(configuration, DaemonConfiguration(), text)
        }
    }

    /// Was: "address '1sserver.2' must be HOST:PORT, …" with no file and no key.
    func testABadAddressNamesTheFileAndTheSetting() throws {
        let path = try file("server:\n  address: 1sserver.2\n")
        var configuration = DaemonConfiguration()
        XCTAssertThrowsError(try configuration.load(yamlFile: path)) { error in
            XCTAssertEqual("\(error)", "config \(path): server.address: address '1sserver.2' must be HOST:PORT, e.g. 127.0.0.1:50051")
        }
        let metrics = try file("server:\n  metricsAddress: \"127.0.0.1:99999\"\n")
        XCTAssertThrowsError(try configuration.load(yamlFile: metrics)) { error in
            XCTAssertEqual("\(error)", "config \(metrics): server.metricsAddress: address '127.0.0.1:99999': port must be a number 0-65535")
        }
    }
}
