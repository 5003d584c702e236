import Foundation
import TLS

/// The client configuration jobletd writes beside a freshly generated development PKI, in
/// Joblet's `rnx-config.yml` format (nodes with address, cert, key and ca, the PEMs inline), so
/// that rnx and the SDK work at once: `default` uses the admin certificate, `viewer` the viewer one.
public enum RnxConfigWriter {
    public static let fileName = "rnx-config.yml"

    /// The YAML text for a server reached at `address`.
    public static func render(address: String, pki: [DevelopmentPKI.File]) -> String {
        func pem(_ name: String) -> String { pki.first { $0.name == name }?.pem ?? "" }
        var out = "# rnx client configuration for jobletd at \(address), written with its development PKI.\n"
        out += "# Copy it to ~/.rnx/rnx-config.yml (or run rnx --config PATH). It holds private keys: keep it 0600.\n"
        out += "version: \"3.0\"\n"
        out += "nodes:\n"
        for (node, client) in [("default", "admin-client"), ("viewer", "viewer-client")] {
            out += "  \(node):\n"
            out += "    address: \"\(address)\"\n"
            out += block("cert", pem("\(client)-cert.pem"))
            out += block("key", pem("\(client)-key.pem"))
            out += block("ca", pem("ca-cert.pem"))
        }
        return out
    }

    private static func block(_ key: String, _ pem: String) -> String {
        "    \(key): |\n" + pem.split(separator: "\n").map { "      \($0)\n" }.joined()
    }

    /// Writes the file into `directory` (mode 0600) unless one is there; returns its path, or nil
    /// when it already existed.
    public static func write(address: String, pki: [DevelopmentPKI.File], directory: String) throws -> String? {
        let path = directory + "/" + fileName
        guard !FileManager.default.fileExists(atPath: path) else { return nil }
        try CertificatePaths.writeNew(path, render(address: address, pki: pki), mode: 0o600)
        return path
    }
}
