import Foundation
import XCTest
@testable import JobletServer

final class CertificateBootstrapTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "jobletd-certs-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static var generator: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/gen-certs.sh").path
    }

    func testGeneratesADevelopmentPKIOnFirstStartAndKeepsIt() throws {
        let paths = CertificatePaths(directory: dir)
        XCTAssertTrue(try paths.ensureExist(generator: Self.generator))
        for f in [paths.ca, paths.serverCert, paths.serverKey, dir + "/admin-client-cert.pem", dir + "/viewer-client-key.pem"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: f), f)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: paths.serverKey)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let before = try Data(contentsOf: URL(fileURLWithPath: paths.serverCert))
        XCTAssertFalse(try paths.ensureExist(generator: Self.generator))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: paths.serverCert)), before)
    }

    func testAPartialDirectoryIsReportedNotOverwritten() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/ca-cert.pem", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CertificatePaths(directory: dir).ensureExist(generator: Self.generator)) { error in
            XCTAssertTrue("\(error)".contains("missing certificate"), "\(error)")
            XCTAssertTrue("\(error)".contains("server-cert.pem"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/ca-cert.pem", encoding: .utf8), "x")
    }

    func testNoGeneratorIsAClearError() {
        XCTAssertThrowsError(try CertificatePaths(directory: dir).ensureExist(generator: nil)) { error in
            XCTAssertTrue("\(error)".contains("scripts/gen-certs.sh"), "\(error)")
        }
    }
}
