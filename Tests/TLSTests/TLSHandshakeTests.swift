import TLS
import XCTest

final class TLSHandshakeTests: XCTestCase {
    var pki: TestPKI!

    override func setUp() {
        super.setUp()
        pki = TestPKI.shared
    }

    func serverConfiguration() throws -> TLSConfiguration {
        try .server(certificateFile: pki.serverCertificate, privateKeyFile: pki.serverKey, caFile: pki.caFile)
    }

    func clientConfiguration(_ name: String? = "admin") throws -> TLSConfiguration {
        try .client(certificateFile: name.map { pki.path("\($0)-client-cert.pem") },
                    privateKeyFile: name.map { pki.path("\($0)-client-key.pem") }, caFile: pki.caFile)
    }

    func testHandshakeNegotiatesH2AndServerSeesClientIdentity() throws {
        let pair = try TLSPair(server: serverConfiguration(), client: clientConfiguration("admin"))
        pair.handshake()
        XCTAssertNil(pair.serverError)
        XCTAssertNil(pair.clientError)
        XCTAssertTrue(pair.server.isHandshakeComplete)
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertEqual(pair.server.negotiatedALPN, "h2")
        XCTAssertEqual(pair.client.negotiatedALPN, "h2")
        XCTAssertEqual(pair.server.negotiatedCipherSuite, "TLS_AES_128_GCM_SHA256")
        XCTAssertEqual(pair.client.negotiatedCipherSuite, "TLS_AES_128_GCM_SHA256")
        let identity = try XCTUnwrap(pair.server.peerIdentity)
        XCTAssertEqual(identity.commonName, "admin-client")
        XCTAssertEqual(identity.organizationalUnits, ["admin"])
        XCTAssertEqual(identity.subject, "CN=admin-client,OU=admin,O=jobletd")
        XCTAssertEqual(pair.client.peerIdentity?.commonName, "localhost")
    }

    func testViewerAndEveryOrganizationalUnitAreReported() throws {
        let viewer = try TLSPair(server: serverConfiguration(), client: clientConfiguration("viewer"))
        viewer.handshake()
        XCTAssertEqual(viewer.server.peerIdentity?.organizationalUnits, ["viewer"])

        let multi = try TLSPair(server: serverConfiguration(), client: clientConfiguration("multi-ou"))
        multi.handshake()
        XCTAssertNil(multi.serverError)
        XCTAssertEqual(multi.server.peerIdentity?.commonName, "multi")
        XCTAssertEqual(multi.server.peerIdentity?.organizationalUnits, ["viewer", "admin"])
    }

    func testIPAddressServerNamesAreVerifiedAgainstIPSANs() throws {
        for name in ["127.0.0.1", "::1", "[::1]"] {
            let pair = try TLSPair(server: serverConfiguration(), client: clientConfiguration(), serverName: name)
            pair.handshake()
            XCTAssertNil(pair.clientError, name)
            XCTAssertTrue(pair.client.isHandshakeComplete, name)
        }
    }

    func testWrongServerNameIsRefusedByClient() throws {
        let pair = try TLSPair(server: serverConfiguration(), client: clientConfiguration(), serverName: "jobs.example.com")
        pair.handshake()
        let error = try XCTUnwrap(pair.clientError)
        XCTAssertFalse(pair.client.isHandshakeComplete)
        XCTAssertTrue(error.description.contains("hostname mismatch"), error.description)
    }

    func testClientWithoutCertificateIsRefused() throws {
        let pair = try TLSPair(server: serverConfiguration(), client: clientConfiguration(nil))
        pair.handshake()
        let error = try XCTUnwrap(pair.serverError)
        XCTAssertFalse(pair.server.isHandshakeComplete)
        XCTAssertNil(pair.server.peerIdentity)
        XCTAssertTrue(error.description.contains("peer did not return a certificate"), error.description)
        XCTAssertNotNil(pair.clientError, "the server's alert reaches the client")
    }

    func testClientCertificateFromAnotherCAIsRefused() throws {
        let pair = try TLSPair(server: serverConfiguration(), client: clientConfiguration("foreign"))
        pair.handshake()
        let error = try XCTUnwrap(pair.serverError)
        XCTAssertTrue(error.description.contains("certificate verify failed"), error.description)
        XCTAssertTrue(error.description.contains("unable to get local issuer certificate"), error.description)
    }

    func testExpiredClientCertificateIsRefused() throws {
        let pair = try TLSPair(server: serverConfiguration(), client: clientConfiguration("expired"))
        pair.handshake()
        let error = try XCTUnwrap(pair.serverError)
        XCTAssertTrue(error.description.contains("certificate has expired"), error.description)
    }

    func testServerFromAnotherCAIsRefusedByClient() throws {
        let server = try TLSConfiguration.server(certificateFile: pki.path("foreign-server-cert.pem"),
                                                 privateKeyFile: pki.path("foreign-server-key.pem"), caFile: pki.caFile)
        let pair = try TLSPair(server: server, client: clientConfiguration())
        pair.handshake()
        let error = try XCTUnwrap(pair.clientError)
        XCTAssertTrue(error.description.contains("certificate verify failed"), error.description)
    }

    func testTLS12ClientIsRefused() throws {
        let client = try TLSConfiguration.client(certificateFile: pki.clientCertificate("admin"),
                                                 privateKeyFile: pki.clientKey("admin"), caFile: pki.caFile,
                                                 maximumVersion: .tls12)
        let pair = try TLSPair(server: serverConfiguration(), client: client)
        pair.handshake()
        let error = try XCTUnwrap(pair.serverError)
        XCTAssertTrue(error.description.contains("unsupported protocol"), error.description)
        XCTAssertNotNil(pair.clientError)
    }

    func testGarbageInsteadOfClientHelloFailsCleanly() throws {
        let server = try TLSSession(configuration: serverConfiguration())
        let garbage = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        garbage.withUnsafeBytes { server.feedCiphertext($0) }
        XCTAssertThrowsError(try server.handshake()) { error in
            XCTAssertTrue("\(error)".contains("TLS handshake failed"), "\(error)")
        }
        var alert: [UInt8] = []
        server.drainCiphertext(into: &alert)
        XCTAssertFalse(server.isHandshakeComplete)

        let random = try TLSSession(configuration: serverConfiguration())
        var bytes = (0..<4096).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = 0x16  // looks like a handshake record, to get past the first check
        bytes.withUnsafeBytes { random.feedCiphertext($0) }
        XCTAssertThrowsError(try random.handshake())
    }
}
