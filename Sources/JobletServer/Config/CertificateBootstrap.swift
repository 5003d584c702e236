import Foundation
import Glibc
import TLS

/// The certificate files jobletd needs, named as `scripts/gen-certs.sh` writes them.
public struct CertificatePaths: Sendable {
    public let directory: String
    public var ca: String { directory + "/ca-cert.pem" }
    public var serverCert: String { directory + "/server-cert.pem" }
    public var serverKey: String { directory + "/server-key.pem" }

    public init(directory: String) { self.directory = directory }

    /// With no certificates at all, makes a development PKI in-process (first start) and returns
    /// its files; nil when the certificates were there already. A directory holding only some of
    /// them is an operator's mistake and is reported, not overwritten. Nothing is executed: a
    /// `scripts/gen-certs.sh` in the working directory is never run.
    public func ensureExist() throws -> [DevelopmentPKI.File]? {
        let fm = FileManager.default
        let present = [ca, serverCert, serverKey].filter { fm.fileExists(atPath: $0) }
        if present.count == 3 { return nil }
        if !present.isEmpty {
            let missing = [ca, serverCert, serverKey].filter { !fm.fileExists(atPath: $0) }
            throw ConfigurationError("missing certificate \(missing.joined(separator: ", ")) (run scripts/gen-certs.sh \(directory), or point --certs at a directory with ca-cert.pem, server-cert.pem, server-key.pem)")
        }
        let files: [DevelopmentPKI.File]
        do {
            files = try DevelopmentPKI.generate()
        } catch {
            throw ConfigurationError("generating a development PKI failed: \(error)")
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw ConfigurationError("cannot create the certificate directory \(directory): \(error.localizedDescription)")
        }
        var written: [String] = []
        do {
            for file in files {
                let path = directory + "/" + file.name
                try Self.writeNew(path, file.pem, mode: file.isPrivateKey ? 0o600 : 0o644)
                written.append(path)
            }
        } catch {
            for path in written { unlink(path) }  // nothing half-made left behind
            throw error
        }
        return files
    }

    /// Creates `path` with `mode` (never following a link, never replacing a file) and writes `text`.
    static func writeNew(_ path: String, _ text: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw ConfigurationError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        fchmod(fd, mode)  // the umask does not apply
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ConfigurationError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }
}
