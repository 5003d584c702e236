import Foundation

/// `--schedule`: an RFC3339 time, or a time relative to now (`in 5m`, `+10s`, `in 1h30m`,
/// `in 2 hours`), which rnx turns into RFC3339 (UTC) before sending.
public enum Schedule {
    public static func resolve(_ text: String, now: Date = Date()) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if RFC3339.parse(trimmed) != nil { return trimmed }
        var rest = Substring(trimmed.lowercased())
        if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        } else if rest.hasPrefix("in ") {
            rest = rest.dropFirst(3)
        }
        guard let seconds = duration(rest), seconds > 0 else {
            throw JobletClientError("bad --schedule '\(text)': expected an RFC3339 time (2025-07-01T10:00:00Z) "
                                    + "or a time from now like 'in 5m', '+10s', 'in 1h30m'")
        }
        return RFC3339.format(now.addingTimeInterval(seconds))
    }

    /// `1h30m`, `90s`, `2 hours`, `1.5m`, `500ms`: a sum of number+unit parts; nil if malformed.
    static func duration(_ text: Substring) -> TimeInterval? {
        var total: TimeInterval = 0
        var i = text.startIndex
        var parts = 0
        func skipSpaces() { while i < text.endIndex, text[i] == " " { i = text.index(after: i) } }
        skipSpaces()
        while i < text.endIndex {
            let numberStart = i
            while i < text.endIndex, text[i].isNumber || text[i] == "." { i = text.index(after: i) }
            guard let number = Double(text[numberStart..<i]) else { return nil }
            skipSpaces()
            let unitStart = i
            while i < text.endIndex, text[i].isLetter { i = text.index(after: i) }
            guard let unit = unitSeconds(String(text[unitStart..<i])) else { return nil }
            total += number * unit
            parts += 1
            skipSpaces()
            if i < text.endIndex, text[i] == "," { i = text.index(after: i); skipSpaces() }
        }
        return parts > 0 ? total : nil
    }

    private static func unitSeconds(_ unit: String) -> TimeInterval? {
        switch unit {
        case "ms", "msec", "msecs", "millisecond", "milliseconds": 0.001
        case "s", "sec", "secs", "second", "seconds": 1
        case "m", "min", "mins", "minute", "minutes": 60
        case "h", "hr", "hrs", "hour", "hours": 3600
        case "d", "day", "days": 86400
        default: nil
        }
    }
}
