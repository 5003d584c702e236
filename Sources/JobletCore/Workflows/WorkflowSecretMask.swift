/// The workflow's YAML as stored and shown back (`WorkflowInfo.yamlContent`), with every
/// `secret_environment` value replaced by `***`. The values themselves are kept only in each
/// job's stored spec, like RunJob's secrets.
/// A namespace of pure functions.
enum WorkflowSecretMask {
    /// Where a secret value starts (line and column from 1, columns in Unicode scalars as libyaml
    /// counts them) and what it is.
    struct Span: Sendable, Hashable {
        var line: Int
        var column: Int
        var value: String
    }

    static let withheld = "# the workflow's YAML is withheld: a secret_environment value in it could not be masked\n"

    /// `yaml` with each span's value masked; `withheld` if a value is not found where it is said
    /// to be (a block scalar spanning lines, say): never the secret.
    static func mask(_ yaml: String, _ spans: [Span]) -> String {
        let spans = spans.filter { !$0.value.isEmpty }
        guard !spans.isEmpty else { return yaml }
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array(String($0).unicodeScalars) }
        let byLine = Dictionary(grouping: spans, by: \.line)
        for (line, lineSpans) in byLine {
            guard line >= 1, line <= lines.count else { return withheld }
            // Right to left, so that earlier columns stay valid.
            for span in lineSpans.sorted(by: { $0.column > $1.column }) {
                guard let masked = maskOne(lines[line - 1], at: span.column - 1, value: span.value) else { return withheld }
                lines[line - 1] = masked
            }
        }
        var out = String.UnicodeScalarView()
        for (i, line) in lines.enumerated() {
            if i > 0 { out.append("\n") }
            out.append(contentsOf: line)
        }
        return String(out)
    }

    private static func maskOne(_ line: [Unicode.Scalar], at start: Int, value: String) -> [Unicode.Scalar]? {
        guard start >= 0, start < line.count else { return nil }
        let stars = Array("***".unicodeScalars)
        let plain = Array(value.unicodeScalars)
        if line.count - start >= plain.count, Array(line[start..<start + plain.count]) == plain {
            // Quoted: a plain `***` would be a YAML alias, and the shown YAML would not parse again.
            return Array(line[..<start]) + Array("\"***\"".unicodeScalars) + Array(line[(start + plain.count)...])
        }
        let quote = line[start]
        guard quote == "\"" || quote == "'" else { return nil }
        var i = start + 1
        while i < line.count {
            if quote == "\"", line[i] == "\\" { i += 2; continue }
            if line[i] == quote {
                if quote == "'", i + 1 < line.count, line[i + 1] == "'" { i += 2; continue }
                return Array(line[...start]) + stars + Array(line[i...])
            }
            i += 1
        }
        return nil
    }
}
