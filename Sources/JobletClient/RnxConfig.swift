import Foundation
import Yams

/// `~/.rnx/rnx-config.yml` in Joblet's format: `nodes: {name: {address, cert, key, ca}}`, the
/// PEMs inline (a value that is no PEM is read as a path relative to the file's folder).
public struct RnxConfig: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var address: String?
        public var certificate: PEMSource?
        public var privateKey: PEMSource?
        public var ca: PEMSource?
    }

    public var path: String
    public var nodes: [String: Node]

    /// Parses `text` (the contents of `path`); throws a `JobletClientError` naming the file.
    public init(parsing text: String, path: String) throws {
        self.path = path
        let root: Any?
        do {
            // Yams.load traps on a key that is a list or a mapping, and expands aliases without
            // bound: both are refused first, on the composed tree.
            if let node = try Yams.compose(yaml: text) { try RnxConfig.checkShape(node, path: path) }
            root = try Yams.load(yaml: text)
        } catch let error as JobletClientError {
            throw error
        } catch {
            throw JobletClientError("\(path) is not valid YAML: \(RnxConfig.oneLine(error))")
        }
        guard let map = root as? [String: Any] else {
            throw JobletClientError("\(path) is not an rnx config: expected a mapping with 'nodes'")
        }
        guard let rawNodes = map["nodes"] as? [String: Any] else {
            throw JobletClientError("\(path) has no 'nodes' mapping (expected nodes: {name: {address, cert, key, ca}})")
        }
        let base = (path as NSString).deletingLastPathComponent
        var nodes: [String: Node] = [:]
        for (name, value) in rawNodes {
            guard let fields = value as? [String: Any] else {
                throw JobletClientError("\(path): node '\(name)' must be a mapping with address, cert, key and ca")
            }
            func string(_ key: String) throws -> String? {
                guard let v = fields[key] else { return nil }
                if let s = v as? String { return s }
                throw JobletClientError("\(path): node '\(name)' field '\(key)' must be a string")
            }
            nodes[name] = Node(address: try string("address"),
                               certificate: try string("cert").map { PEMSource(configValue: $0, baseDirectory: base) },
                               privateKey: try string("key").map { PEMSource(configValue: $0, baseDirectory: base) },
                               ca: try string("ca").map { PEMSource(configValue: $0, baseDirectory: base) })
        }
        self.nodes = nodes
    }

    /// Reads and parses the file at `path`; nil when there is none.
    public static func load(path: String) throws -> RnxConfig? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobletClientError("cannot read \(path)")
        }
        return try RnxConfig(parsing: String(decoding: data, as: UTF8.self), path: path)
    }

    /// More values than any rnx config holds, aliases expanded (a real one has about 20).
    static let maxValues = 10_000

    /// Throws when a mapping key is not a single value, or when the document, aliases expanded,
    /// holds more than `maxValues` values. Walks with an explicit stack and stops at the limit.
    private static func checkShape(_ root: Yams.Node, path: String) throws {
        var stack = [root]
        var visited = 0
        while let node = stack.popLast() {
            visited += 1
            guard visited <= maxValues else {
                throw JobletClientError("\(path) is not an rnx config: more than \(maxValues) values once its aliases are expanded")
            }
            switch node {
            case .scalar, .alias:
                continue
            case .sequence(let items):
                stack.append(contentsOf: items)
            case .mapping(let pairs):
                for (key, value) in pairs {
                    guard case .scalar = key else {
                        throw JobletClientError("\(path): line \(key.mark?.line ?? 0): a mapping key must be a single value, not a list or a mapping")
                    }
                    stack.append(value)
                }
            }
        }
    }

    private static func oneLine(_ error: Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}
