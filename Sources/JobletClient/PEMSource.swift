/// A certificate or key: a PEM file on disk, or PEM text carried inline (rnx-config.yml).
public enum PEMSource: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case inline(String)

    /// A config value is inline PEM when it holds a PEM header; anything else is a path,
    /// relative to `baseDirectory` when given.
    public init(configValue: String, baseDirectory: String?) {
        if configValue.contains("-----BEGIN ") {
            self = .inline(configValue)
        } else if let baseDirectory, !configValue.hasPrefix("/") {
            self = .file(baseDirectory + "/" + configValue)
        } else {
            self = .file(configValue)
        }
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .inline: "inline PEM"
        }
    }
}
