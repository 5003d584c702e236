import Foundation

/// A runtime's name as users write it, normalized: `python:3.11-ml`, `python-3.11-ml` and
/// `python-3.11-ml@amd64` all name the directory `python-3.11-ml`. The colon form is Joblet's
/// spec syntax; it becomes a dash so that the name is always a plain directory name (upstream
/// accepted colons and then failed at mount).
public struct RuntimeName: Sendable, Hashable, CustomStringConvertible {
    /// The directory name: lower case letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    public let normalized: String
    /// After `@`, when given (`amd64`, `arm64`).
    public let architecture: String?

    public static let maxLength = 100

    public var description: String { normalized }

    public init(_ spec: String) throws(JobletError) {
        var text = spec.trimmingCharacters(in: .whitespaces).lowercased()
        var arch: String?
        if let at = text.lastIndex(of: "@") {
            let a = String(text[text.index(after: at)...])
            text = String(text[..<at])
            guard !a.isEmpty, a.utf8.count <= 32, a.utf8.allSatisfy({ Self.isAlnum($0) || $0 == UInt8(ascii: "_") }) else {
                throw .invalidArgument("runtime '\(spec)': the architecture after '@' must be letters, digits or '_' (e.g. @amd64)")
            }
            arch = a
        }
        text = text.replacingOccurrences(of: ":", with: "-")
        guard !text.isEmpty else {
            throw .invalidArgument("runtime name is empty: give one like python-3.11-ml (or python:3.11-ml)")
        }
        guard text.utf8.count <= Self.maxLength else {
            throw .invalidArgument("runtime name '\(spec.prefix(40))…' is longer than \(Self.maxLength) characters")
        }
        guard let first = text.utf8.first, Self.isAlnum(first),
              text.utf8.allSatisfy({ Self.isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }),
              !text.contains("..") else {
            throw .invalidArgument("runtime name '\(spec)' is not valid: use letters, digits, '.', '_', '-' (a ':' reads as '-'), starting with a letter or digit, e.g. python-3.11-ml")
        }
        normalized = text
        architecture = arch
    }

    /// `python-3.11-ml` → language `python`, version `3.11`, variants `[ml]`: the first part is
    /// the language, the first part after it that starts with a digit the version, the rest variants.
    public var parts: (language: String, version: String, variants: [String]) {
        let pieces = normalized.split(separator: "-").map(String.init)
        guard let language = pieces.first else { return ("", "", []) }
        var version = ""
        var variants: [String] = []
        for p in pieces.dropFirst() {
            if version.isEmpty, variants.isEmpty, let c = p.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                version = p
            } else {
                variants.append(p)
            }
        }
        return (language, version, variants)
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }
}
