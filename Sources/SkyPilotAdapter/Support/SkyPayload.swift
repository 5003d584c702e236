/// SkyPilot interleaves log text with control lines (`<sky-payload>"<rich_init>…"</sky-payload>`)
/// for spinners and heartbeats. Only the log text is kept.
enum SkyPayload {
    /// True for a line that is (or ends up, after removing payloads) only control payloads.
    static func isControlLine(_ line: String) -> Bool {
        line.contains("<sky-payload") && stripPayloads(line).allSatisfy(\.isWhitespace)
    }

    /// `line` without any `<sky-payload…>…</sky-payload>` spans.
    static func stripPayloads(_ line: String) -> String {
        var rest = Substring(line)
        var out = ""
        while let open = rest.range(of: "<sky-payload") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "</sky-payload>") else {
                return out
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// The log text of one streamed line, or nil if it carries only control payloads.
    static func logText(of line: String) -> String? {
        guard line.contains("<sky-payload") else { return line }
        let text = stripPayloads(line)
        return text.allSatisfy(\.isWhitespace) ? nil : text
    }
}
