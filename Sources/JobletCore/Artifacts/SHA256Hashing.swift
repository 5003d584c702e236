/// SHA-256, incrementally. JobletCore has no C: the daemon hands the artifact keeper an
/// implementation (OpenSSL's, in the TLS module that owns libcrypto).
public protocol SHA256Hashing {
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest as 64 lower-case hex characters; the hasher is spent.
    mutating func finalizeHex() -> String
}
