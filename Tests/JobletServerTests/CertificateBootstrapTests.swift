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

    func testGeneratesADevelopmentPKIOnFirstStartAndKeepsIt() throws {
        let paths = CertificatePaths(directory: dir)
        XCTAssertNotNil(try paths.ensureExist())
        for f in [paths.ca, paths.serverCert, paths.serverKey, dir + "/admin-client-cert.pem", dir + "/viewer-client-key.pem"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: f), f)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: paths.serverKey)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let before = try Data(contentsOf: URL(fileURLWithPath: paths.serverCert))
        XCTAssertNil(try paths.ensureExist())
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: paths.serverCert)), before)
    }

    func testAPartialDirectoryIsReportedNotOverwritten() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/ca-cert.pem", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CertificatePaths(directory: dir).ensureExist()) { error in
            XCTAssertTrue("\(error)".contains("missing certificate"), "\(error)")
            XCTAssertTrue("\(error)".contains("server-cert.pem"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/ca-cert.pem", encoding: .utf8), "x")
    }

    func testKeysAre0600AndCertificates0644() throws {
        XCTAssertNotNil(try CertificatePaths(directory: dir).ensureExist())
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let mode = try FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.posixPermissions] as? Int
            XCTAssertEqual(mode, name.hasSuffix("-key.pem") ? 0o600 : 0o644, name)
        }
    }
}
