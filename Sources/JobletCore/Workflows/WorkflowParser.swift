import Foundation
import Yams

/// Reads a workflow's YAML in either dialect into job specs, without judging the graph (that is
/// `WorkflowValidator`'s). Errors are `invalidArgument` naming the problem and its line and column.
///
/// - Joblet's map dialect: `jobs: {<name>: spec}` with `requires: [{<job>: <STATUS>}]`.
/// - The SDK documentation's list dialect: `version`, `jobs: [{name: …, depends_on: [names]}]`;
///   `depends_on: [x]` means x must COMPLETE.
/// Both dialects take the same job fields; `requires` and `depends_on` work in either.
/// A value type with no state.
public struct WorkflowParser: Sendable {
    public struct Parsed: Sendable {
        public var name: String
        public var description: String
        public var jobs: [WorkflowJobSpec]
        public var sourceMap: WorkflowSourceMap
        /// The YAML with every secret_environment value masked: what is stored and shown back.
        public var maskedYAML: String
    }

    static let topLevelKeys: Set<String> = ["version", "name", "description", "environment", "secret_environment", "jobs"]
    static let jobKeys: Set<String> = ["name", "description", "command", "args", "runtime", "network", "volumes",
                                       "workdir", "work_dir", "workDir", "uploads", "requires", "depends_on",
                                       "resources", "environment", "secret_environment"]
    static let resourceKeys: Set<String> = ["max_cpu", "max_memory", "max_io_bps", "max_iobps", "cpu_cores",
                                            "gpu_count", "gpu_memory_mb"]

    public init() {}

    public func parse(_ yaml: String) throws(JobletError) -> Parsed {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml, .basic) else {
                throw JobletError.invalidArgument("workflow YAML is empty: give a `jobs` section")
            }
            root = node
        } catch let error as JobletError {
            throw error
        } catch let error as YamlError {
            throw .invalidArgument(Self.describe(error))
        } catch {
            throw .invalidArgument("invalid workflow YAML: \(error)")
        }
        guard let top = root.mapping else {
            throw .invalidArgument("workflow YAML must be a mapping with a `jobs` key\(Self.at(root))")
        }
        try Self.checkKeys(top, allowed: Self.topLevelKeys, what: "the workflow")
        let topFields = Self.fields(top)
        let environment = try Self.stringMap(topFields["environment"], what: "environment")
        let secrets = try Self.stringMap(topFields["secret_environment"], what: "secret_environment")
        var secretSpans = Self.spans(topFields["secret_environment"])
        try Self.checkClash(environment, secrets, job: nil, at: topFields["secret_environment"])
        guard let jobsNode = topFields["jobs"] else {
            throw .invalidArgument("workflow YAML has no `jobs` section\(Self.at(root)): add jobs as `jobs: {name: {command: …}}` or `jobs: [{name: …, command: …}]`")
        }
        var entries: [(name: String, nameNode: Node, spec: Node)] = []
        switch jobsNode {
        case .mapping(let map):
            for (key, value) in map {
                entries.append((try Self.scalar(key, what: "job name"), key, value))
            }
        case .sequence(let seq):
            for item in seq {
                guard let map = item.mapping else {
                    throw .invalidArgument("each item of `jobs` must be a mapping with `name` and `command`\(Self.at(item))")
                }
                guard let nameNode = Self.fields(map)["name"] else {
                    throw .invalidArgument("a job in `jobs` has no `name`\(Self.at(item))")
                }
                entries.append((try Self.scalar(nameNode, what: "job name"), nameNode, item))
            }
        default:
            throw .invalidArgument("`jobs` must be a mapping of job names or a list of jobs\(Self.at(jobsNode))")
        }
        var parsed = Parsed(name: try Self.optionalScalar(topFields["name"], what: "name") ?? "",
                            description: try Self.optionalScalar(topFields["description"], what: "description") ?? "",
                            jobs: [], sourceMap: WorkflowSourceMap(), maskedYAML: "")
        parsed.jobs.reserveCapacity(entries.count)
        for entry in entries {
            let spec = try Self.job(entry.name, entry.spec, environment: environment, secrets: secrets,
                                    map: &parsed.sourceMap)
            if case .mapping(let m) = entry.spec { secretSpans += Self.spans(Self.fields(m)["secret_environment"]) }
            if parsed.sourceMap.jobs[entry.name] == nil {
                parsed.sourceMap.jobs[entry.name] = Self.location(entry.nameNode)
            }
            parsed.jobs.append(spec)
        }
        parsed.maskedYAML = WorkflowSecretMask.mask(yaml, secretSpans)
        return parsed
    }

    // MARK: Jobs

    private static func job(_ name: String, _ node: Node, environment: [String: String], secrets: [String: String],
                            map: inout WorkflowSourceMap) throws(JobletError) -> WorkflowJobSpec {
        guard let specMap = node.mapping else {
            throw .invalidArgument("job '\(name)' must be a mapping with at least `command`\(at(node))")
        }
        let what = "job '\(name)'"
        try checkKeys(specMap, allowed: jobKeys, what: what)
        let spec = fields(specMap)
        var job = WorkflowJobSpec(name: name)
        job.command = try optionalScalar(spec["command"], what: "\(what) command") ?? ""
        job.args = try strings(spec["args"], what: "\(what) args")
        job.runtime = try optionalScalar(spec["runtime"], what: "\(what) runtime") ?? ""
        job.network = try optionalScalar(spec["network"], what: "\(what) network") ?? ""
        job.volumes = try strings(spec["volumes"], what: "\(what) volumes")
        job.workDir = try optionalScalar(spec["workdir"] ?? spec["work_dir"] ?? spec["workDir"], what: "\(what) workdir") ?? ""
        if let resources = spec["resources"] {
            try self.resources(resources, into: &job, what: what)
        }
        var plain = environment
        var secret = secrets
        let ownPlain = try stringMap(spec["environment"], what: "\(what) environment")
        let ownSecret = try stringMap(spec["secret_environment"], what: "\(what) secret_environment")
        try checkClash(ownPlain, ownSecret, job: name, at: spec["secret_environment"])
        for (k, v) in ownPlain { plain[k] = v; secret[k] = nil }
        for (k, v) in ownSecret { secret[k] = v; plain[k] = nil }
        job.environment = try expand(plain, using: plain.merging(secret) { a, _ in a }, secretNames: Set(secret.keys),
                                     what: "\(what) environment", node: spec["environment"] ?? node)
        job.secretEnvironment = try expand(secret, using: plain.merging(secret) { a, _ in a }, secretNames: [],
                                           what: "\(what) secret_environment", node: spec["secret_environment"] ?? node)
        // Requirements, both spellings.
        var requirementLocations: [WorkflowSourceMap.Location] = []
        if let requires = spec["requires"] {
            guard let items = requires.sequence else {
                throw .invalidArgument("\(what) requires must be a list like `- other: COMPLETED`\(at(requires))")
            }
            for item in items {
                switch item {
                case .scalar:
                    job.requirements.append(WorkflowRequirement(job: try scalar(item, what: "\(what) requires"), status: .completed))
                    requirementLocations.append(location(item))
                case .mapping(let pairs):
                    for (key, value) in pairs {
                        let text = try scalar(value, what: "\(what) requires status")
                        guard let status = RequiredStatus(yamlValue: text) else {
                            throw .invalidArgument("\(what) requires '\(text)' of '\(key.string ?? "")'\(at(value)), which is not a status a job can require: use one of COMPLETED, FAILED, STOPPED, CANCELED, FINISHED")
                        }
                        job.requirements.append(WorkflowRequirement(job: try scalar(key, what: "\(what) requires"), status: status))
                        requirementLocations.append(location(key))
                    }
                default:
                    throw .invalidArgument("\(what) requires entries must look like `- other: COMPLETED`\(at(item))")
                }
            }
        }
        if let dependsOn = spec["depends_on"] {
            let nodes = dependsOn.sequence.map(Array.init) ?? [dependsOn]
            for item in nodes {
                job.requirements.append(WorkflowRequirement(job: try scalar(item, what: "\(what) depends_on"), status: .completed))
                requirementLocations.append(location(item))
            }
        }
        map.requirements[name] = requirementLocations
        if let uploads = spec["uploads"] {
            var locations: [String: WorkflowSourceMap.Location] = [:]
            func paths(_ node: Node?, _ field: String) throws(JobletError) -> [String] {
                guard let node else { return [] }
                guard let items = node.sequence else {
                    throw .invalidArgument("\(what) uploads.\(field) must be a list of paths\(at(node))")
                }
                var result: [String] = []
                for item in items {
                    let path = try scalar(item, what: "\(what) uploads.\(field)")
                    locations[path] = location(item)
                    result.append(path)
                }
                return result
            }
            if uploads.sequence != nil {
                job.uploadFiles = try paths(uploads, "files")
            } else if let uploadMap = uploads.mapping {
                try checkKeys(uploadMap, allowed: ["files", "directories"], what: "\(what) uploads")
                let u = fields(uploadMap)
                job.uploadFiles = try paths(u["files"], "files")
                job.uploadDirectories = try paths(u["directories"], "directories")
            } else {
                throw .invalidArgument("\(what) uploads must be `{files: [...], directories: [...]}`\(at(uploads))")
            }
            map.uploads[name] = locations
        }
        return job
    }

    private static func resources(_ node: Node, into job: inout WorkflowJobSpec, what: String) throws(JobletError) {
        guard let mapping = node.mapping else {
            throw .invalidArgument("\(what) resources must be a mapping like `{max_cpu: 50, max_memory: 256}`\(at(node))")
        }
        try checkKeys(mapping, allowed: resourceKeys, what: "\(what) resources")
        let map = fields(mapping)
        func int(_ key: String) throws(JobletError) -> Int {
            guard let value = map[key] else { return 0 }
            let text = try scalar(value, what: "\(what) resources.\(key)")
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidArgument("\(what) resources.\(key) '\(text)' is not a whole number\(at(value))")
            }
            return number
        }
        job.limits.maxCPU = try int("max_cpu")
        job.limits.maxMemoryMB = try int("max_memory")
        job.limits.maxIOBPS = map["max_io_bps"] != nil ? try int("max_io_bps") : try int("max_iobps")
        job.limits.cpuCores = try optionalScalar(map["cpu_cores"], what: "\(what) resources.cpu_cores") ?? ""
        job.gpuCount = try int("gpu_count")
        job.gpuMemoryMB = try int("gpu_memory_mb")
    }

    // MARK: Environment

    private static func checkClash(_ plain: [String: String], _ secret: [String: String], job: String?,
                                   at node: Node?) throws(JobletError) {
        guard let name = plain.keys.sorted().first(where: { secret[$0] != nil }) else { return }
        let whose = job.map { "job '\($0)': " } ?? "workflow: "
        throw .invalidArgument("\(whose)environment variable \(name) is in both environment and secret_environment\(at(node)); keep one")
    }

    /// `${VAR}` in a value becomes VAR's value from the job's environment (plain and secret).
    /// A plain value may not take a secret's value (`secretNames`): it would be shown back.
    private static func expand(_ values: [String: String], using source: [String: String], secretNames: Set<String>,
                               what: String, node: Node) throws(JobletError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in values {
            guard value.contains("${") else {
                result[key] = value
                continue
            }
            var out = ""
            var rest = Substring(value)
            while let open = rest.range(of: "${") {
                out += rest[..<open.lowerBound]
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                    throw .invalidArgument("\(what) \(key): unterminated `${` in '\(value)'\(at(node))")
                }
                let variable = String(rest[open.upperBound..<close])
                if secretNames.contains(variable) {
                    throw .invalidArgument("\(what) \(key) uses ${\(variable)}, which is a secret\(at(node)); put \(key) in secret_environment so that its value is never shown")
                }
                guard let replacement = source[variable], variable != key else {
                    throw .invalidArgument("\(what) \(key) uses ${\(variable)}, which is not defined in the workflow's or the job's environment\(at(node))")
                }
                out += replacement
                rest = rest[rest.index(after: close)...]
            }
            result[key] = out + rest
        }
        return result
    }

    // MARK: Node helpers

    /// Where each value of a secret_environment mapping starts, for `WorkflowSecretMask`.
    private static func spans(_ node: Node?) -> [WorkflowSecretMask.Span] {
        guard let map = node?.mapping else { return [] }
        return map.compactMap { _, value in
            guard case .scalar(let s) = value, let mark = value.mark else { return nil }
            return WorkflowSecretMask.Span(line: mark.line, column: mark.column, value: s.string)
        }
    }

    static func location(_ node: Node) -> WorkflowSourceMap.Location {
        let mark = node.mark
        return WorkflowSourceMap.Location(line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    static func at(_ node: Node?) -> String {
        guard let mark = node?.mark else { return "" }
        return " (line \(mark.line), column \(mark.column))"
    }

    /// A mapping's values by key text, looked up once (Yams' own subscript compares nodes).
    private static func fields(_ map: Node.Mapping) -> [String: Node] {
        var result: [String: Node] = [:]
        result.reserveCapacity(map.count)
        for (key, value) in map {
            if let name = key.string, result[name] == nil { result[name] = value }
        }
        return result
    }

    /// YAML's null (`~`, `null`, or nothing), read without a resolver: plain scalars only.
    private static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    private static func checkKeys(_ map: Node.Mapping, allowed: Set<String>, what: String) throws(JobletError) {
        for key in map.keys {
            guard let name = key.string, allowed.contains(name) else {
                throw .invalidArgument("\(what) has an unknown key '\(key.string ?? "?")'\(at(key)); known keys: \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    private static func scalar(_ node: Node, what: String) throws(JobletError) -> String {
        guard case .scalar(let s) = node else {
            throw .invalidArgument("\(what) must be a single value\(at(node))")
        }
        return s.string
    }

    private static func optionalScalar(_ node: Node?, what: String) throws(JobletError) -> String? {
        guard let node else { return nil }
        if isNull(node) { return nil }
        return try scalar(node, what: what)
    }

    private static func strings(_ node: Node?, what: String) throws(JobletError) -> [String] {
        guard let node, !isNull(node) else { return [] }
        guard let items = node.sequence else {
            throw .invalidArgument("\(what) must be a list like [\"a\", \"b\"]\(at(node))")
        }
        var result: [String] = []
        for item in items { result.append(try scalar(item, what: what)) }
        return result
    }

    private static func stringMap(_ node: Node?, what: String) throws(JobletError) -> [String: String] {
        guard let node, !isNull(node) else { return [:] }
        guard let map = node.mapping else {
            throw .invalidArgument("\(what) must be a mapping of NAME: value\(at(node))")
        }
        var result: [String: String] = [:]
        for (key, value) in map {
            result[try scalar(key, what: "\(what) name")] = try scalar(value, what: "\(what) value")
        }
        return result
    }

    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return "invalid workflow YAML at line \(mark.line), column \(mark.column): \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.sorted()
            let first = context.mark
            // Yams marks the first occurrence; find the repeat: the same key at the same column below.
            let indent = String(repeating: " ", count: max(0, first.column - 1))
            let lines = context.text.split(separator: "\n", omittingEmptySubsequences: false)
            var repeatLine: Int?
            if let name = names.first {
                for number in first.line..<max(first.line, lines.count) {
                    let line = lines[number]
                    if line.hasPrefix(indent + name + ":") || line.hasPrefix(indent + "\"" + name + "\":")
                        || line.hasPrefix(indent + "'" + name + "':") {
                        repeatLine = number + 1
                        break
                    }
                }
            }
            let keys = names.map { "'\($0)'" }.joined(separator: ", ")
            let place = repeatLine.map { "line \($0), column \(first.column); first at line \(first.line)" }
                ?? "line \(first.line), column \(first.column)"
            return "workflow YAML has duplicate key(s) \(keys) (\(place)): each job name and each key may appear once"
        case .reader(let problem, let offset, _, _):
            return "invalid workflow YAML\(offset.map { " at byte \($0)" } ?? ""): \(problem)"
        default:
            return "invalid workflow YAML: \(error)"
        }
    }
}
