import Foundation

/// A named volume jobs mount: an ext4 image of a fixed size (`filesystem`) or a tmpfs (`memory`).
public struct Volume: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case filesystem, memory
    }

    public var name: String
    public var kind: Kind
    public var sizeBytes: Int64
    public var createdAt: Date

    public init(name: String, kind: Kind, sizeBytes: Int64, createdAt: Date) {
        self.name = name
        self.kind = kind
        self.sizeBytes = sizeBytes
        self.createdAt = createdAt
    }

    /// Upstream's grammar: letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64.
    public static func checkName(_ name: String) throws(JobletError) {
        guard JobRequestValidator.isPlainName(name) else {
            throw .invalidArgument("invalid volume name '\(name)': use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64)")
        }
    }
}
