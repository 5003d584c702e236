import Foundation

/// Turns what a person types for `--schedule` into a time: RFC 3339 (`2025-07-01T15:04:05Z`) or a
/// delay from now (`in 5m`, `in 1h30m`, `+10s`, `2d`). Units: s, m, h, d.
public enum ScheduleParser {
    public static func parse(_ text: String, now: Date = Date()) throws(JobletError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let time = RFC3339.parse(trimmed) { return time }
        var rest = Substring(trimmed.lowercased())
        if rest.hasPrefix("in ") {
            rest = rest.dropFirst(3).drop(while: { $0 == " " })
        } else if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        }
        guard let seconds = delay(String(rest)) else {
            throw .invalidArgument("invalid schedule '\(text)': use an RFC 3339 time like 2025-07-01T15:04:05Z or a delay like 'in 5m', 'in 1h30m', '+10s'")
        }
        return now.addingTimeInterval(seconds)
    }

    /// "1h30m" → 5400; nil unless the whole text is number-unit pairs.
    public static func delay(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var sawPair = false
        for character in text where character != " " {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            let unit: TimeInterval
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: return nil
            }
            guard let value = Double(number), number.count <= 9 else { return nil }
            total += value * unit
            number = ""
            sawPair = true
        }
        return sawPair && number.isEmpty ? total : nil
    }
}
