/// An artifact pattern of RunJob (`out/adapter_model.safetensors`, `out/*.json`): a relative
/// path inside the job's workspace whose components may hold `*` (any run of characters but
/// '/') and `?` (one character). No `..`, no absolute paths, no empty components.
public enum ArtifactPattern {
    public static let maxPatterns = 32
    public static let maxLength = 512

    public static func check(_ patterns: [String]) throws(JobletError) {
        guard patterns.count <= maxPatterns else {
            throw .invalidArgument("artifacts: \(patterns.count) patterns, at most \(maxPatterns); name a directory's files with a glob like out/*.json")
        }
        for pattern in patterns {
            guard !pattern.isEmpty, pattern.utf8.count <= maxLength, !pattern.utf8.contains(0) else {
                throw .invalidArgument("artifact pattern '\(pattern)' must be 1-\(maxLength) bytes without NUL")
            }
            guard !pattern.hasPrefix("/") else {
                throw .invalidArgument("artifact pattern '\(pattern)' is absolute: give a path inside the workspace, like out/model.bin")
            }
            let parts = components(pattern)
            guard !parts.contains(".."), !parts.contains(""), !parts.contains(".") else {
                throw .invalidArgument("artifact pattern '\(pattern)' must stay inside the workspace (no '..', '.' or empty parts)")
            }
        }
    }

    static func components(_ pattern: String) -> [String] {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    static func hasWildcard(_ component: String) -> Bool {
        component.contains("*") || component.contains("?")
    }

    /// Whether `name` (one path component) matches `pattern` (one component). A leading '.' in
    /// `name` is only matched by a '.' in the pattern, as in the shell.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        if name.hasPrefix("."), !pattern.hasPrefix(".") { return false }
        let n = Array(name.unicodeScalars), p = Array(pattern.unicodeScalars)
        var i = 0, j = 0, star = -1, mark = 0
        while i < n.count {
            if j < p.count, p[j] == "?" || p[j] == n[i] {
                i += 1; j += 1
            } else if j < p.count, p[j] == "*" {
                star = j; mark = i; j += 1
            } else if star >= 0 {
                j = star + 1; mark += 1; i = mark
            } else {
                return false
            }
        }
        while j < p.count, p[j] == "*" { j += 1 }
        return j == p.count
    }
}
