import JobletCore
import TLS

/// JobletCore's `SHA256Hashing` over OpenSSL (the TLS module's `SHA256Digest`).
struct OpenSSLSHA256: SHA256Hashing {
    let digest = SHA256Digest()
    func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }
    func finalizeHex() -> String { digest.finalizeHex() }
}
