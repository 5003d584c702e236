import Foundation
import TLS
#if canImport(Glibc)
import Glibc
#endif

extension ConnectionSettings {
    /// The client's TLS context. Inline PEMs are written to a private folder (0700, files 0600)
    /// only for as long as OpenSSL takes to load them: TLSConfiguration reads files, not memory.
    public func makeTLSConfiguration() throws -> TLSConfiguration {
        let fields: [(name: String, what: String, flag: String, variable: String, source: PEMSource)] = [
            ("cert", "client certificate", "--cert", "JOBLET_CERT_PATH", certificate),
            ("key", "client private key", "--key", "JOBLET_KEY_PATH", privateKey),
            ("ca", "CA certificate", "--ca", "JOBLET_CA_PATH", ca),
        ]
        var inlineDirectory: String?
        defer { if let inlineDirectory { try? FileManager.default.removeItem(atPath: inlineDirectory) } }
        var paths: [String] = []
        for field in fields {
            switch field.source {
            case .file(let path):
                guard FileManager.default.isReadableFile(atPath: path) else {
                    let origin = origins[field.name] ?? .builtIn
                    let hint = origin == .builtIn ? "; set \(field.flag), \(field.variable) or a node in ~/.rnx/rnx-config.yml" : ""
                    throw JobletClientError("\(field.what) \(path) not found (\(origin)\(hint))")
                }
                paths.append(path)
            case .inline(let pem):
                if inlineDirectory == nil { inlineDirectory = try Self.makePrivateDirectory() }
                let path = inlineDirectory! + "/" + field.name + ".pem"
                try Self.writePrivateFile(path, contents: pem)
                paths.append(path)
            }
        }
        do {
            return try TLSConfiguration.client(certificateFile: paths[0], privateKeyFile: paths[1], caFile: paths[2])
        } catch {
            throw JobletClientError("cannot use the client certificate, key or CA: \(error)")
        }
    }

    static func makePrivateDirectory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/rnx-pem-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw JobletClientError("cannot create a private folder in \(base) for inline PEMs: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    static func writePrivateFile(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JobletClientError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw JobletClientError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }
}
