/// What one `TLSSession.readPlaintext(into:)` call produced.
public enum TLSReadResult: Sendable, Hashable {
    /// `n` plaintext bytes were appended to the caller's buffer.
    case bytes(Int)
    /// No plaintext yet: feed more ciphertext.
    case wantMore
    /// The peer sent close_notify; no more plaintext will come.
    case closed
}
