import Foundation

/// One kept output of a job: stored once when the job ended, with its size and SHA-256.
public struct Artifact: Sendable, Hashable {
    /// Its path inside the workspace ("out/adapter_model.safetensors").
    public var name: String
    public var size: Int64
    /// Hex; empty while it is being computed.
    public var sha256: String
    public var created: Date

    public init(name: String, size: Int64, sha256: String, created: Date) {
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.created = created
    }

    /// What a stored artifact's bytes look like now.
    public enum State: String, Sendable {
        case ok
        /// Its size or bytes differ from what was stored when the job ended.
        case corrupt
        case missing
        /// Kept, its SHA-256 not computed yet.
        case hashing
    }
}
