import Foundation
import XCTest
@testable import JobletClient

/// Real certificates from scripts/gen-certs.sh, carried inline in an rnx config.
final class InlinePEMTests: XCTestCase {
    func testInlinePEMsMakeAWorkingTLSContextAndLeaveNoFilesBehind() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = try makeTemporaryDirectory(self)
        let gen = Process()
        gen.executableURL = root.appendingPathComponent("scripts/gen-certs.sh")
        gen.arguments = [dir + "/certs"]
        gen.standardOutput = FileHandle.nullDevice
        gen.standardError = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        try XCTSkipIf(gen.terminationStatus != 0, "scripts/gen-certs.sh failed (openssl missing?)")

        func indented(_ name: String) throws -> String {
            try String(contentsOfFile: dir + "/certs/" + name, encoding: .utf8)
                .split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
        }
        let yaml = """
        nodes:
          default:
            address: localhost:50051
            cert: |
        \(try indented("admin-client-cert.pem"))
            key: |
        \(try indented("admin-client-key.pem"))
            ca: |
        \(try indented("ca-cert.pem"))
        """
        try write(yaml, to: dir + "/home/.rnx/rnx-config.yml")
        let settings = try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": dir + "/home"])
        guard case .inline = settings.privateKey else { return XCTFail("key should be inline") }

        let tmp = NSTemporaryDirectory()
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix("rnx-pem-") })
        XCTAssertNoThrow(try settings.makeTLSConfiguration())
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix("rnx-pem-") })
        XCTAssertTrue(after.subtracting(before).isEmpty, "inline PEM files left behind: \(after.subtracting(before))")

        // A mismatched key is refused with a message, not a crash.
        var wrong = settings
        wrong.privateKey = .inline("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        XCTAssertThrowsError(try wrong.makeTLSConfiguration()) {
            XCTAssertTrue("\($0)".hasPrefix("cannot use the client certificate, key or CA"), "\($0)")
        }
    }
}
