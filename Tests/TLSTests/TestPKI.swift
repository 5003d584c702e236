import Foundation

/// A throwaway PKI for TLS tests: the project's gen-certs.sh output, plus a second CA and an
/// expired client certificate for the cases that must be refused. Made once per test process.
struct TestPKI: Sendable {
    let directory: String

    static let shared: TestPKI = {
        do { return try TestPKI.make() } catch { fatalError("cannot make the test PKI: \(error)") }
    }()

    func path(_ name: String) -> String { directory + "/" + name }
    var caFile: String { path("ca-cert.pem") }
    var serverCertificate: String { path("server-cert.pem") }
    var serverKey: String { path("server-key.pem") }
    func clientCertificate(_ role: String) -> String { path("\(role)-client-cert.pem") }
    func clientKey(_ role: String) -> String { path("\(role)-client-key.pem") }

    private static func make() throws -> TestPKI {
        let directory = NSTemporaryDirectory() + "jobletd-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        try sh("bash '\(root)/scripts/gen-certs.sh' '\(directory)' >/dev/null")
        try sh("""
            cd '\(directory)'
            openssl ecparam -name prime256v1 -genkey -noout -out other-ca-key.pem
            openssl req -x509 -new -key other-ca-key.pem -days 30 -subj '/O=elsewhere/CN=other CA' -out other-ca-cert.pem
            sign() {  # NAME CA-PREFIX DAYS SUBJECT
              openssl ecparam -name prime256v1 -genkey -noout -out "$1-key.pem"
              openssl req -new -key "$1-key.pem" -subj "$4" -out "$1.csr"
              printf 'extendedKeyUsage=clientAuth,serverAuth\\nsubjectAltName=DNS:localhost\\n' > "$1.ext"
              openssl x509 -req -in "$1.csr" -CA "$2-cert.pem" -CAkey "$2-key.pem" -CAcreateserial \\
                -days "$3" -extfile "$1.ext" -out "$1-cert.pem" 2>/dev/null
            }
            sign foreign-client other-ca 30 '/O=elsewhere/OU=admin/CN=foreign-client'
            sign foreign-server other-ca 30 '/O=elsewhere/CN=localhost'
            sign expired-client ca -1 '/O=jobletd/OU=admin/CN=expired-client'
            sign multi-ou-client ca 30 '/O=jobletd/OU=viewer/OU=admin/CN=multi'
            """)
        return TestPKI(directory: directory)
    }

    private static func sh(_ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-euc", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "TestPKI", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "script failed: \(script)"])
        }
    }
}
