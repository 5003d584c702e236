/// SHA-256, incrementally. JobletCore has no C: the daemon hands the artifact keeper an
/// implementation (OpenSSL's, in the TLS module that owns libcrypto).
public protocol SHA256Hashing {
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest as 64 lower-case hex characters; the hasher is spent.
    mutating func finalizeHex() -> String
    /// Size and digest of a whole file, read once (an implementation may read it faster than
    /// `update` in chunks can be fed).
    func digestFile(atPath path: String) throws -> (size: Int64, sha256: String)
}
