/// A network jobs can join: a built-in one or one made by CreateNetwork.
public struct JobNetwork: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A NAT'd bridge (the default `bridge`, and every custom network).
        case bridge
        /// A NAT'd bridge whose ports cannot reach one another (`isolated`).
        case isolated
        /// A namespace with only loopback (`none`).
        case loopback
        /// The server's own network (`host`): no namespace of its own.
        case host
    }

    public var name: String
    public var kind: Kind
    /// Nil for `none` and `host`.
    public var cidr: IPv4CIDR?
    /// The Linux bridge's name; empty for `none` and `host`.
    public var bridge: String
    public var builtIn: Bool

    public init(name: String, kind: Kind, cidr: IPv4CIDR?, bridge: String, builtIn: Bool) {
        self.name = name
        self.kind = kind
        self.cidr = cidr
        self.bridge = bridge
        self.builtIn = builtIn
    }

    public static let builtInNames = ["bridge", "isolated", "none", "host"]

    /// Linux limits interface names to 15 bytes; custom bridges are `jb-<name>`.
    public static let maxCustomNameLength = 12

    /// A custom network's name, checked: letters, digits, `-` and `_`, starting with a letter,
    /// at most 12 (its bridge `jb-<name>` must fit Linux's 15-byte interface names), not a built-in.
    public static func checkCustomName(_ name: String) throws(JobletError) {
        let bytes = Array(name.utf8)
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        guard let first = bytes.first, isLetter(first),
              bytes.allSatisfy({ isLetter($0) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }) else {
            throw .invalidArgument("invalid network name '\(name)': use letters, digits, '-' and '_', starting with a letter")
        }
        guard bytes.count <= maxCustomNameLength else {
            throw .invalidArgument("network name '\(name)' is \(bytes.count) characters; at most \(maxCustomNameLength) (its bridge jb-\(name) must fit Linux's 15-character interface names)")
        }
        if builtInNames.contains(name) {
            throw .alreadyExists("network '\(name)' is built in; choose another name")
        }
    }

    public static func bridgeName(forCustom name: String) -> String { "jb-" + name }
}
