import TLS
import XCTest

final class TLSConfigurationTests: XCTestCase {
    var pki: TestPKI!

    override func setUp() {
        super.setUp()
        pki = TestPKI.shared
    }

    func testMissingCertificateNamesTheFileAndReason() {
        let missing = pki.path("nope/server-cert.pem")
        XCTAssertThrowsError(try TLSConfiguration.server(certificateFile: missing, privateKeyFile: pki.serverKey,
                                                         caFile: pki.caFile)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("cannot load server certificate \(missing): "), text)
            XCTAssertTrue(text.contains("No such file or directory"), text)
        }
    }

    func testMismatchedKeyIsRefused() {
        XCTAssertThrowsError(try TLSConfiguration.server(certificateFile: pki.serverCertificate,
                                                         privateKeyFile: pki.clientKey("admin"), caFile: pki.caFile)) { error in
            // OpenSSL compares the key with the loaded certificate while loading it.
            XCTAssertTrue("\(error)".contains("key values mismatch"), "\(error)")
            XCTAssertTrue("\(error)".contains(self.pki.clientKey("admin")), "\(error)")
        }
    }

    func testMissingCAIsNamed() {
        let missing = pki.path("missing-ca.pem")
        XCTAssertThrowsError(try TLSConfiguration.client(certificateFile: nil, privateKeyFile: nil, caFile: missing)) { error in
            XCTAssertTrue("\(error)".contains("cannot load CA certificates \(missing)"), "\(error)")
        }
    }

    func testCertificateWithoutKeyIsRefused() {
        XCTAssertThrowsError(try TLSConfiguration.client(certificateFile: pki.clientCertificate("admin"),
                                                         privateKeyFile: nil, caFile: pki.caFile))
    }
}
