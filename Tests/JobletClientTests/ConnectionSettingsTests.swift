import Foundation
import XCTest
@testable import JobletClient

final class ConnectionSettingsTests: XCTestCase {
    private let pemCert = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
    private let pemKey = "-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n"
    private let pemCA = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"

    private func config(_ home: String, _ text: String) throws {
        try write(text, to: home + "/.rnx/rnx-config.yml")
    }

    private var twoNodes: String {
        """
        version: "3.0"
        nodes:
          default:
            address: "10.0.0.1:50051"
            cert: |
        \(pemCert.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            key: |
        \(pemKey.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            ca: |
        \(pemCA.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
          prod:
            address: "prod.example.com:6000"
            cert: certs/prod-cert.pem
            key: /abs/prod-key.pem
            ca: certs/ca.pem
        """
    }

    func testDefaultsWhenNothingIsConfigured() throws {
        let home = try makeTemporaryDirectory(self)
        let s = try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])
        XCTAssertEqual(s.address, ServerAddress(host: "127.0.0.1", port: 50051))
        XCTAssertEqual(s.certificate, .file("./certs/admin-client-cert.pem"))
        XCTAssertEqual(s.privateKey, .file("./certs/admin-client-key.pem"))
        XCTAssertEqual(s.ca, .file("./certs/ca-cert.pem"))
        XCTAssertEqual(s.origins["server"], .builtIn)
    }

    func testFlagsBeatEnvironmentWhichBeatsConfigWhichBeatsDefaults() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, twoNodes)
        let env = ["HOME": home, "JOBLET_SERVER": "env-host:7000", "JOBLET_KEY_PATH": "/env/key.pem"]
        let flags = ConnectionOverrides(server: "flag-host:8000", certificate: "/flag/cert.pem")
        let s = try ConnectionSettings.resolve(overrides: flags, environment: env)
        XCTAssertEqual(s.address, ServerAddress(host: "flag-host", port: 8000))
        XCTAssertEqual(s.certificate, .file("/flag/cert.pem"))
        XCTAssertEqual(s.privateKey, .file("/env/key.pem"))
        XCTAssertEqual(s.ca, .inline(pemCA))
        XCTAssertEqual(s.origins["server"], .flag("--server"))
        XCTAssertEqual(s.origins["key"], .environment("JOBLET_KEY_PATH"))
        XCTAssertEqual(s.origins["ca"], .config(path: home + "/.rnx/rnx-config.yml", node: "default"))

        let envOnly = try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: env)
        XCTAssertEqual(envOnly.address, ServerAddress(host: "env-host", port: 7000))
        XCTAssertEqual(envOnly.certificate, .inline(pemCert))
    }

    func testInlinePEMsOfTheDefaultNode() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, twoNodes)
        let s = try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])
        XCTAssertEqual(s.address, ServerAddress(host: "10.0.0.1", port: 50051))
        XCTAssertEqual(s.certificate, .inline(pemCert))
        XCTAssertEqual(s.privateKey, .inline(pemKey))
        XCTAssertEqual(s.ca, .inline(pemCA))
    }

    func testNodeFlagPicksANodeAndPathsAreRelativeToTheConfigFile() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, twoNodes)
        let s = try ConnectionSettings.resolve(overrides: ConnectionOverrides(node: "prod"), environment: ["HOME": home])
        XCTAssertEqual(s.address, ServerAddress(host: "prod.example.com", port: 6000))
        XCTAssertEqual(s.certificate, .file(home + "/.rnx/certs/prod-cert.pem"))
        XCTAssertEqual(s.privateKey, .file("/abs/prod-key.pem"))
    }

    func testMissingNodeNamesTheNodesThereAre() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, twoNodes)
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(node: "staging"),
                                                            environment: ["HOME": home])) { error in
            XCTAssertEqual("\(error)", "node 'staging' not found in \(home)/.rnx/rnx-config.yml (nodes: default, prod)")
        }
    }

    func testNoDefaultNodeAsksForNode() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, "nodes:\n  prod:\n    address: a:1\n    cert: c\n    key: k\n    ca: x\n")
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])) {
            XCTAssertTrue("\($0)".hasSuffix("(nodes: prod); pick one with --node"), "\($0)")
        }
    }

    func testNodeFlagWithoutConfigFile() throws {
        let home = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(node: "prod"), environment: ["HOME": home])) {
            XCTAssertEqual("\($0)", "--node prod needs a config file, but there is none at \(home)/.rnx/rnx-config.yml")
        }
    }

    func testBadYAMLNamesTheFile() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, "nodes:\n  default: [unclosed\n    address: x\n")
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])) {
            XCTAssertTrue("\($0)".hasPrefix("\(home)/.rnx/rnx-config.yml is not valid YAML: "), "\($0)")
            XCTAssertFalse("\($0)".contains("\n"))
        }
    }

    func testConfigWithoutNodesOrWithAMissingField() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, "servers: []\n")
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])) {
            XCTAssertTrue("\($0)".contains("has no 'nodes' mapping"), "\($0)")
        }
        try config(home, "nodes:\n  default:\n    address: a:1\n    cert: c\n    key: k\n")
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])) {
            XCTAssertEqual("\($0)", "node 'default' in \(home)/.rnx/rnx-config.yml has no 'ca'")
        }
    }

    func testConfigIsNotReadWhenFlagsAndEnvironmentSayEverything() throws {
        let home = try makeTemporaryDirectory(self)
        try config(home, "{{{ not yaml")
        let env = ["HOME": home, "JOBLET_SERVER": "h:1", "JOBLET_CERT_PATH": "c", "JOBLET_KEY_PATH": "k", "JOBLET_CA_PATH": "a"]
        XCTAssertNoThrow(try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: env))
    }

    func testConfigFlagAndBadAddress() throws {
        let dir = try makeTemporaryDirectory(self)
        try write("nodes:\n  default:\n    address: 'no port here:abc'\n    cert: c\n    key: k\n    ca: a\n", to: dir + "/my.yml")
        XCTAssertThrowsError(try ConnectionSettings.resolve(overrides: ConnectionOverrides(configPath: dir + "/my.yml"),
                                                            environment: [:])) {
            XCTAssertTrue("\($0)".hasPrefix("bad server address 'no port here:abc'"), "\($0)")
        }
    }

    func testServerAddressForms() {
        XCTAssertEqual(ServerAddress(parsing: "example.com"), ServerAddress(host: "example.com", port: 50051))
        XCTAssertEqual(ServerAddress(parsing: "localhost:1234"), ServerAddress(host: "localhost", port: 1234))
        XCTAssertEqual(ServerAddress(parsing: "[::1]:99"), ServerAddress(host: "::1", port: 99))
        XCTAssertEqual(ServerAddress(parsing: "::1"), ServerAddress(host: "::1", port: 50051))
        XCTAssertNil(ServerAddress(parsing: "host:0"))
        XCTAssertNil(ServerAddress(parsing: ":50051"))
        XCTAssertEqual(ServerAddress(host: "::1", port: 5).description, "[::1]:5")
    }

    func testMissingCertificateFileSaysWhereTheValueCameFromAndHowToSetIt() throws {
        let home = try makeTemporaryDirectory(self)
        // The defaults are relative (./certs): run from an empty directory, whatever the checkout holds.
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(try makeTemporaryDirectory(self)))
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let s = try ConnectionSettings.resolve(overrides: ConnectionOverrides(), environment: ["HOME": home])
        XCTAssertThrowsError(try s.makeTLSConfiguration()) {
            XCTAssertEqual("\($0)", "client certificate ./certs/admin-client-cert.pem not found "
                           + "(the default; set --cert, JOBLET_CERT_PATH or a node in ~/.rnx/rnx-config.yml)")
        }
        let flagged = try ConnectionSettings.resolve(overrides: ConnectionOverrides(certificate: "/nope.pem"), environment: ["HOME": home])
        XCTAssertThrowsError(try flagged.makeTLSConfiguration()) {
            XCTAssertEqual("\($0)", "client certificate /nope.pem not found (from --cert)")
        }
    }

    func testInlinePEMsAreWrittenPrivatelyAndRemoved() throws {
        let dir = try makeTemporaryDirectory(self)
        let made = try ConnectionSettings.makePrivateDirectory()
        defer { try? FileManager.default.removeItem(atPath: made) }
        try ConnectionSettings.writePrivateFile(made + "/k.pem", contents: pemKey)
        let dirMode = try FileManager.default.attributesOfItem(atPath: made)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: made + "/k.pem")[.posixPermissions] as? Int
        XCTAssertEqual(dirMode, 0o700)
        XCTAssertEqual(fileMode, 0o600)
        XCTAssertEqual(try String(contentsOfFile: made + "/k.pem", encoding: .utf8), pemKey)
        _ = dir
    }
}
