import JobletCore
import TLS

/// JobletCore's `SHA256Hashing` over OpenSSL (the TLS module's `SHA256Digest`).
struct OpenSSLSHA256: SHA256Hashing {
    let digest = SHA256Digest()
    func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }
    func finalizeHex() -> String { digest.finalizeHex() }
    func digestFile(atPath path: String) throws -> (size: Int64, sha256: String) {
        let (size, hex) = try SHA256Digest.file(atPath: path)
        return (size, hex)
    }
}
