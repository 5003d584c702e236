import Foundation
import Yams

/// A runtime's `runtime.yml` (upstream Joblet's layout plus our `test`):
///
///     name: python-3.11-ml
///     language: python
///     version: "3.11"
///     description: Python with numpy
///     mounts:
///       - {source: isolated/opt/venv, target: /opt/venv, readonly: true}
///     environment: {PATH_PREPEND: /opt/venv/bin, PYTHONNOUSERSITE: "1"}
///     packages: [numpy]
///     requirements: {architectures: [amd64], gpu: false}
///     test: python -c 'import numpy'
///
/// Parsing checks shape only (kinds, relative sources without `..`, absolute targets); whether
/// the sources exist inside the runtime's directory is the host side's check. Unknown keys are
/// kept out of the way (upstream manifests carry more), never an error.
public struct RuntimeManifest: Sendable, Equatable {
    public struct Mount: Sendable, Equatable {
        /// Relative to the runtime's directory.
        public var source: String
        /// Absolute, inside the job.
        public var target: String
        public var readOnly: Bool
    }

    public var name = ""
    public var language = ""
    public var version = ""
    public var description = ""
    public var mounts: [Mount] = []
    public var environment: [String: String] = [:]
    public var packages: [String] = []
    public var architectures: [String] = []
    public var gpu = false
    /// A shell command that proves the runtime works (TestRuntime runs it in a job).
    public var test = ""

    public static let fileName = "runtime.yml"
    public static let maxBytes = 1 << 20
    static let maxMounts = 32
    static let maxEntries = 10_000

    public init() {}

    /// Parses `text`; errors are `invalidArgument` naming `runtime.yml`, the key, and the fix.
    public init(parsing text: String) throws(JobletError) {
        guard text.utf8.count <= Self.maxBytes else {
            throw .invalidArgument("runtime.yml is larger than \(Self.maxBytes) bytes")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw JobletError.invalidArgument("runtime.yml is empty: give at least name and mounts")
            }
            root = node
        } catch let error as JobletError {
            throw error
        } catch {
            throw .invalidArgument("runtime.yml is not valid YAML: \(String(describing: error).split(separator: "\n").joined(separator: " "))")
        }
        guard let top = root.mapping else { throw .invalidArgument("runtime.yml must be a mapping (name, language, version, mounts, …)") }
        let fields = try Self.fields(top, what: "runtime.yml")
        name = try Self.scalar(fields["name"], "name") ?? ""
        language = try Self.scalar(fields["language"], "language") ?? ""
        version = try Self.scalar(fields["version"], "version") ?? ""
        description = try Self.scalar(fields["description"], "description") ?? ""
        test = try Self.scalar(fields["test"], "test") ?? ""
        packages = try Self.list(fields["packages"], "packages")
        environment = try Self.map(fields["environment"], "environment")
        for key in environment.keys where key.isEmpty || key.contains("=") || key.contains("\0") {
            throw .invalidArgument("runtime.yml environment: '\(key)' is not a variable name")
        }
        if let req = fields["requirements"] {
            guard let m = req.mapping else { throw .invalidArgument("runtime.yml requirements must be a mapping {architectures, gpu}") }
            let r = try Self.fields(m, what: "requirements")
            architectures = try Self.list(r["architectures"], "requirements.architectures")
            if let g = try Self.scalar(r["gpu"], "requirements.gpu") {
                guard let b = Bool(g.lowercased()) else { throw .invalidArgument("runtime.yml requirements.gpu must be true or false, got '\(g)'") }
                gpu = b
            }
        }
        if let ms = fields["mounts"] {
            guard let seq = ms.sequence else { throw .invalidArgument("runtime.yml mounts must be a list of {source, target, readonly}") }
            guard seq.count <= Self.maxMounts else { throw .invalidArgument("runtime.yml has \(seq.count) mounts; at most \(Self.maxMounts)") }
            for (i, item) in seq.enumerated() {
                guard let m = item.mapping else { throw .invalidArgument("runtime.yml mounts[\(i)] must be a mapping {source, target, readonly}") }
                let f = try Self.fields(m, what: "mounts[\(i)]")
                guard let source = try Self.scalar(f["source"], "mounts[\(i)].source"), !source.isEmpty,
                      let target = try Self.scalar(f["target"], "mounts[\(i)].target"), !target.isEmpty else {
                    throw .invalidArgument("runtime.yml mounts[\(i)] needs a source (inside the runtime) and a target (in the job)")
                }
                var readOnly = true
                if let ro = try Self.scalar(f["readonly"] ?? f["readOnly"], "mounts[\(i)].readonly") {
                    guard let b = Bool(ro.lowercased()) else { throw .invalidArgument("runtime.yml mounts[\(i)].readonly must be true or false, got '\(ro)'") }
                    readOnly = b
                }
                let parts = source.split(separator: "/", omittingEmptySubsequences: true)
                if source.hasPrefix("/") || parts.contains("..") || parts.isEmpty {
                    throw .invalidArgument("runtime.yml mounts[\(i)].source '\(source)' must be a path inside the runtime's directory (relative, no '..'), e.g. isolated/usr")
                }
                guard target.hasPrefix("/") else {
                    throw .invalidArgument("runtime.yml mounts[\(i)].target '\(target)' must be an absolute path in the job, e.g. /usr/local")
                }
                mounts.append(Mount(source: source, target: target, readOnly: readOnly))
            }
        }
    }

    /// The environment a job gets from this runtime, on top of `base`: `PATH_PREPEND` is put in
    /// front of the base's PATH; every other variable replaces the base's.
    public func applyEnvironment(to base: [String: String]) -> [String: String] {
        var env = base
        for (k, v) in environment where k != "PATH_PREPEND" { env[k] = v }
        if let prepend = environment["PATH_PREPEND"], !prepend.isEmpty {
            let path = env["PATH"] ?? ""
            env["PATH"] = path.isEmpty ? prepend : prepend + ":" + path
        }
        return env
    }

    // MARK: node helpers

    private static func fields(_ m: Node.Mapping, what: String) throws(JobletError) -> [String: Node] {
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw .invalidArgument("runtime.yml: a key of \(what) is not a plain word") }
            out[key] = v
        }
        return out
    }

    private static func scalar(_ n: Node?, _ key: String) throws(JobletError) -> String? {
        guard let n else { return nil }
        if case .scalar(let s) = n {
            return s.string.isEmpty || (s.style == .plain && (s.string == "~" || s.string == "null")) ? nil : s.string
        }
        throw .invalidArgument("runtime.yml \(key) must be a single value")
    }

    private static func list(_ n: Node?, _ key: String) throws(JobletError) -> [String] {
        guard let n else { return [] }
        guard let seq = n.sequence else { throw .invalidArgument("runtime.yml \(key) must be a list") }
        guard seq.count <= maxEntries else { throw .invalidArgument("runtime.yml \(key) has more than \(maxEntries) entries") }
        var out: [String] = []
        for item in seq { if let s = try scalar(item, key) { out.append(s) } }
        return out
    }

    private static func map(_ n: Node?, _ key: String) throws(JobletError) -> [String: String] {
        guard let n else { return [:] }
        guard let m = n.mapping else { throw .invalidArgument("runtime.yml \(key) must be a mapping of names to values") }
        guard m.count <= maxEntries else { throw .invalidArgument("runtime.yml \(key) has more than \(maxEntries) entries") }
        var out: [String: String] = [:]
        for (k, v) in m {
            guard let name = k.scalar?.string else { throw .invalidArgument("runtime.yml \(key): a name is not a plain word") }
            out[name] = try scalar(v, "\(key).\(name)") ?? ""
        }
        return out
    }
}
