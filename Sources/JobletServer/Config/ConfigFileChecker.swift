import NameSuggestion
import Yams

/// Checks a YAML configuration against `ConfigKeys` before it is decoded, so that a typo or a
/// wrong value is refused naming the key and its line instead of being ignored, and so that
/// no decoder's error text reaches the operator.
struct ConfigFileChecker {
    let path: String

    /// Returns false when the text holds no YAML document at all (empty, or only comments):
    /// then there is nothing to decode.
    @discardableResult
    func check(_ text: String) throws -> Bool {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError("config \(path) is not valid YAML: \(Self.oneLine(error))")
        }
        guard let root else { return false }
        guard case .mapping(let top) = root else {
            throw ConfigurationError("config \(path): line \(line(root)): expected a mapping with server:, jobs: or skypilot:")
        }
        try checkMapping(top, prefix: "")
        return true
    }

    private func checkMapping(_ mapping: Node.Mapping, prefix: String) throws {
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? "\(keyNode)"
            let key = prefix.isEmpty ? name : prefix + "." + name
            guard let kind = ConfigKeys.known[key] else {
                var message = "config \(path): line \(line(keyNode)): unknown key '\(key)'"
                if let near = NearestName.find(key, among: ConfigKeys.known.keys) { message += "; did you mean '\(near)'?" }
                throw ConfigurationError(message)
            }
            try checkValue(value, key: key, kind: kind)
        }
    }

    private func checkValue(_ value: Node, key: String, kind: ConfigKeys.Kind) throws {
        func refuse(_ expected: String) -> ConfigurationError {
            let shown = value.scalar.map { "'\($0.string)'" } ?? "a \(Self.shape(value))"
            return ConfigurationError("config \(path): line \(line(value)): \(key) must be \(expected), got \(shown)")
        }
        if kind == .section {
            if case .mapping(let nested) = value { return try checkMapping(nested, prefix: key) }
            if value.scalar?.string.isEmpty == true || value.null != nil { return }
            throw refuse("a mapping of settings")
        }
        if kind == .any { return }
        guard let scalar = value.scalar else { throw refuse(Self.describe(kind)) }
        let text = scalar.string
        switch kind {
        case .string:
            return
        case .integer:
            guard Int(text) != nil else { throw refuse("a whole number") }
        case .number:
            guard Double(text) != nil else { throw refuse("a number") }
        case .boolean:
            guard ["true", "false"].contains(text.lowercased()) else { throw refuse("true or false") }
        case .oneOf(let choices):
            guard choices.contains(text) else { throw refuse("one of \(choices.joined(separator: ", "))") }
        case .any, .section:
            return
        }
    }

    private func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    private static func describe(_ kind: ConfigKeys.Kind) -> String {
        switch kind {
        case .string: "a string"
        case .integer: "a whole number"
        case .number: "a number"
        case .boolean: "true or false"
        case .oneOf(let choices): "one of \(choices.joined(separator: ", "))"
        case .any, .section: "a value"
        }
    }

    private static func shape(_ node: Node) -> String {
        switch node {
        case .mapping: "mapping"
        case .sequence: "list"
        default: "value"
        }
    }

    private static func oneLine(_ error: Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}
