import Foundation
import JobletAPI

/// `rnx watch`: one line per WatchJobs event.
public enum WatchReport {
    public static func line(_ e: Joblet_JobWatchEvent, color: Bool = false, timeZone: TimeZone = .current) -> String {
        let when = clock(e.time, timeZone)
        let id = String(e.uuid.prefix(8))
        switch e.type {
        case "status":
            let from = e.previousStatus.isEmpty ? "" : " (was \(e.previousStatus))"
            let reason = e.reason.isEmpty || !JobOutcome.isFinal(e.status) ? "" : ": \(e.reason)"
            return "\(when)  \(id)  \(StatusColor.paint(e.status, enabled: color))\(from)\(reason)\n"
        case "metric":
            return "\(when)  \(id)  metric \(TrainingReport.latestText(e.metric?.values ?? [:]))\n"
        case "ended":
            return "\(when)  \(id)  ended: \(e.message)\n"
        default:
            return "\(when)  \(id)  \(e.type)\n"
        }
    }

    /// "16:20:01" in local time; the text as sent when it is no RFC 3339 time.
    static func clock(_ text: String, _ timeZone: TimeZone) -> String {
        let local = JobTable.localTime(text, timeZone: timeZone)
        return local.split(separator: " ").last.map(String.init) ?? local
    }
}
