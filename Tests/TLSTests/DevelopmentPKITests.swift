import Foundation
import XCTest
import TLS

/// The in-process development PKI: the files gen-certs.sh makes, and they work for mutual TLS.
final class DevelopmentPKITests: XCTestCase {
    func testGeneratedPKIHandshakesWithBothRoles() throws {
        let files = try DevelopmentPKI.generate()
        XCTAssertEqual(Set(files.map(\.name)), ["ca-cert.pem", "ca-key.pem", "server-cert.pem", "server-key.pem",
                                                "admin-client-cert.pem", "admin-client-key.pem",
                                                "viewer-client-cert.pem", "viewer-client-key.pem"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("devpki-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in files { try f.pem.write(toFile: dir + "/" + f.name, atomically: true, encoding: .utf8) }
        let server = try TLSConfiguration.server(certificateFile: dir + "/server-cert.pem", privateKeyFile: dir + "/server-key.pem",
                                                 caFile: dir + "/ca-cert.pem")
        for (role, ou) in [("admin", "admin"), ("viewer", "viewer")] {
            let client = try TLSConfiguration.client(certificateFile: dir + "/\(role)-client-cert.pem",
                                                     privateKeyFile: dir + "/\(role)-client-key.pem", caFile: dir + "/ca-cert.pem")
            let pair = try TLSPair(server: server, client: client)
            pair.handshake()
            XCTAssertNil(pair.serverError)
            XCTAssertNil(pair.clientError)
            XCTAssertEqual(pair.server.peerIdentity?.organizationalUnits, [ou])
            XCTAssertEqual(pair.client.peerIdentity?.commonName, "localhost")
        }
        // Two runs make two different CAs.
        XCTAssertNotEqual(try DevelopmentPKI.generate().first?.pem, files.first?.pem)
    }
}
