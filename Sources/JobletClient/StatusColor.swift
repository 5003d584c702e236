/// Job statuses in colour on a terminal (ANSI SGR), and how wide a coloured cell looks.
/// `enabled` follows the caller's check: stdout is a terminal and NO_COLOR is unset.
public enum StatusColor {
    public static func paint(_ status: String, enabled: Bool) -> String {
        guard enabled, let code = code(status) else { return status }
        return "\u{1B}[\(code)m\(status)\u{1B}[0m"
    }

    static func code(_ status: String) -> String? {
        switch status.uppercased() {
        case "COMPLETED": "32"                       // green
        case "FAILED": "31"                          // red
        case "RUNNING", "INITIALIZING": "36"         // cyan
        case "STOPPED", "CANCELED", "PAUSED": "33"   // yellow
        case "SCHEDULED", "PENDING", "RECOVERING": "35"  // magenta
        default: nil
        }
    }

    /// The number of characters a terminal shows for `text` (escape sequences take none).
    public static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for c in text.unicodeScalars {
            if inEscape {
                if c == "m" { inEscape = false }
            } else if c == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }

    /// Whether rnx should colour: stdout is a terminal and NO_COLOR (no-color.org) is not set.
    public static func wanted(isTerminal: Bool, environment: [String: String]) -> Bool {
        isTerminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }
}
