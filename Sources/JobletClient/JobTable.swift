import Foundation
import JobletAPI

/// `rnx list`: one aligned row per job (ID short, NAME, STATUS, START, DURATION, COMMAND).
public enum JobTable {
    public static let headers = ["ID", "NAME", "STATUS", "START", "DURATION", "COMMAND"]
    static let maxCommandWidth = 60

    public static func render(_ jobs: [Joblet_Job], now: Date = Date(), timeZone: TimeZone = .current,
                              color: Bool = false) -> String {
        let rows = jobs.map { job -> [String] in
            var command = CommandText.render(job.command, job.args)
            if command.count > maxCommandWidth { command = String(command.prefix(maxCommandWidth - 3)) + "..." }
            let start = job.startTime.isEmpty && job.status == "SCHEDULED" ? job.scheduledTime : job.startTime
            return [shortID(job.uuid),
                    job.name.isEmpty ? "-" : job.name,
                    StatusColor.paint(job.status, enabled: color),
                    localTime(start, timeZone: timeZone),
                    job.startTime.isEmpty ? "-" : DurationText.between(start: job.startTime, end: job.endTime, now: now),
                    command]
        }
        return align([headers] + rows)
    }

    /// The first 8 characters of a UUID: the part users type (any unique prefix is accepted).
    public static func shortID(_ id: String) -> String { String(id.prefix(8)) }

    /// `2025-07-01 12:00:00` in `timeZone`; the text as given if it is no RFC3339 time; "-" if empty.
    public static func localTime(_ text: String, timeZone: TimeZone) -> String {
        guard !text.isEmpty else { return "-" }
        guard let date = RFC3339.parse(text) else { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Columns padded to their widest cell, two spaces apart; the last column is not padded.
    public static func align(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max(), columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], StatusColor.visibleWidth(cell)) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - StatusColor.visibleWidth(cell))
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
