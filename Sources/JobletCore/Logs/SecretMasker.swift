/// Replaces secret values with `***` in anything jobletd writes or logs about a job.
public struct SecretMasker: Sendable {
    private let secrets: [String]

    /// Values shorter than 4 characters are not masked: they would mangle ordinary text.
    public init(secretValues: some Sequence<String>) {
        secrets = Set(secretValues).filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public func mask(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return text
    }
}
