/// Where things were written in a workflow's YAML, so that a validation message can say
/// "line 7, column 9". Lines and columns count from 1.
public struct WorkflowSourceMap: Sendable, Hashable {
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
        public var description: String { "line \(line), column \(column)" }
    }

    /// Each job's name, by job name.
    public var jobs: [String: Location] = [:]
    /// Each requirement, by job name, in the order of `WorkflowJobSpec.requirements`.
    public var requirements: [String: [Location]] = [:]
    /// Each upload entry, by job name then path.
    public var uploads: [String: [String: Location]] = [:]

    public init() {}

    /// " (line 3, column 5)", or "" when unknown.
    static func at(_ location: Location?) -> String {
        location.map { " (\($0))" } ?? ""
    }
}
