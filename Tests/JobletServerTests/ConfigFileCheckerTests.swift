import Foundation
import XCTest
import NameSuggestion
@testable import JobletServer

/// Typos and bad values in jobletd's YAML are refused naming the key and its line.
final class ConfigFileCheckerTests: XCTestCase {
    private func refusal(_ yaml: String) -> String? {
        do {
            try ConfigFileChecker(path: "joblet.yml").check(yaml)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testUnknownKeyNamesItsLineAndTheNearestKnownKey() {
        let text = refusal("server:\n  address: \":0\"\n  maxRecieveMessageSize: 5\n")
        XCTAssertEqual(text, "config joblet.yml: line 3: unknown key 'server.maxRecieveMessageSize'; did you mean 'server.maxReceiveMessageSize'?")
        XCTAssertEqual(refusal("sever:\n  address: x\n"), "config joblet.yml: line 1: unknown key 'sever'; did you mean 'server'?")
        XCTAssertEqual(refusal("jobs:\n  zzzzzzzzzzzzzz: 1\n"), "config joblet.yml: line 2: unknown key 'jobs.zzzzzzzzzzzzzz'")
    }

    func testBadValuesNameTheKindAndLine() {
        XCTAssertEqual(refusal("server:\n  eventLoops: many\n"), "config joblet.yml: line 2: server.eventLoops must be a whole number, got 'many'")
        XCTAssertEqual(refusal("server:\n  enableInteropTesting: sometimes\n"),
                       "config joblet.yml: line 2: server.enableInteropTesting must be true or false, got 'sometimes'")
        XCTAssertTrue(refusal("server:\n  logLevel: loud\n")?.contains("one of trace, debug") ?? false)
        XCTAssertTrue(refusal("server: [1, 2]\n")?.contains("server must be a mapping") ?? false)
        XCTAssertTrue(refusal("server: [a, b\n")?.contains("is not valid YAML") ?? false)
    }

    func testEveryKeyOfTheTableAndOtherBranchesKeysAreAccepted() {
        XCTAssertNil(refusal("""
        server:
          address: "127.0.0.1:50051"
          maxUploadMessageSize: 268435456
          uploadMemoryBudget: 1073741824
          drainTimeoutSeconds: 2.5
          logLevel: debug
          metricsAddress: "127.0.0.1:9100"
          minFreeDiskMB: 100
        jobs:
          defaultMaxMemoryMB: 256
          seccomp: unconfined
          maxLogBytes: 1000000
          defaultWorkspaceMB: 1024
        skypilot:
          endpoint: http://127.0.0.1:46580
        """))
        XCTAssertNil(refusal(""))
    }

    func testTheUploadBudgetMustHoldTheLargestUpload() throws {
        let path = NSTemporaryDirectory() + "jobletd-budget-\(UUID().uuidString).yml"
        try "server:\n  maxUploadMessageSize: 300000000\n  uploadMemoryBudget: 200000000\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = DaemonConfiguration()
        XCTAssertThrowsError(try c.load(yamlFile: path)) { error in
            XCTAssertTrue("\(error)".contains("server.uploadMemoryBudget (200000000) is smaller than server.maxUploadMessageSize"), "\(error)")
        }
    }

    func testNearestName() {
        XCTAssertEqual(NearestName.find("lst", among: ["list", "log", "run"]), "list")
        XCTAssertEqual(NearestName.find("stauts", among: ["status", "stop"]), "status")
        XCTAssertNil(NearestName.find("completely-different", among: ["list", "run"]))
    }
}
