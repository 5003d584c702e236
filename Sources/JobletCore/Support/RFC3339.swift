import Foundation

/// RFC 3339 timestamps: written in UTC with six fractional digits (fixed width, so the text sorts
/// as the time does); read with any offset and any number of fractional digits.
public enum RFC3339 {
    /// `2025-01-02T03:04:05.123456Z`
    public static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        var seconds = Int64(micros / 1_000_000)
        var fraction = Int64(micros) - seconds * 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        let (days, secondOfDay) = floorDivMod(seconds, 86_400)
        let (year, month, day) = civilDate(fromDaysSinceEpoch: days)
        return String(format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
                      year, month, day, secondOfDay / 3600, (secondOfDay / 60) % 60, secondOfDay % 60, fraction)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `t`, `z` and a space for `T` are accepted.
    public static func parse(_ text: String) -> Date? {
        let c = Array(text.utf8)
        guard c.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= c.count else { return nil }
            var value: Int64 = 0
            for i in start..<(start + count) {
                guard c[i] >= 48, c[i] <= 57 else { return nil }
                value = value * 10 + Int64(c[i] - 48)
            }
            return value
        }
        guard let year = digits(0, 4), c[4] == UInt8(ascii: "-"), let month = digits(5, 2), c[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(c[10]),
              let hour = digits(11, 2), c[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              c[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if c[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < c.count, c[index] >= 48, c[index] <= 57 {
                fraction += Double(c[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < c.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch c[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(index + 1, 2), index + 3 < c.count, c[index + 3] == UInt8(ascii: ":"),
                  let om = digits(index + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (c[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == c.count else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a >= 0 ? a / b : (a - b + 1) / b
        return (q, a - q * b)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilDate(fromDaysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
