import Foundation

/// A job's run time for tables: `0.4s`, `12.0s`, `3m05s`, `2h07m`, `3d04h`.
public enum DurationText {
    public static func render(_ seconds: TimeInterval) -> String {
        let s = max(0, seconds)
        if s < 60 { return String(format: "%.1fs", s) }
        let whole = Int(s)
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        if whole < 86400 { return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60) }
        return String(format: "%dd%02dh", whole / 86400, whole % 86400 / 3600)
    }

    /// From `start` to `end`, or to `now` while the job runs; "-" when it never started.
    public static func between(start: String, end: String, now: Date) -> String {
        guard let begin = RFC3339.parse(start) else { return "-" }
        let finish = RFC3339.parse(end) ?? now
        return render(finish.timeIntervalSince(begin))
    }
}
