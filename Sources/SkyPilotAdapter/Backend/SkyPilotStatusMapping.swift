import JobletCore

/// SkyPilot's managed-job statuses onto ours (DESIGN.md, GPU jobs), and the legal way there.
public enum SkyPilotStatusMapping {
    /// Our status for SkyPilot's, or nil where ours stays as it is (CANCELLING: still running
    /// until SkyPilot says CANCELLED; unknown strings from a newer server).
    public static func jobStatus(forSkyPilotStatus status: String) -> JobStatus? {
        switch status {
        case "PENDING", "SUBMITTED": return .pending
        case "STARTING": return .initializing
        case "RUNNING", "WINDING_DOWN": return .running
        case "RECOVERING": return .recovering
        case "SUCCEEDED": return .completed
        case "CANCELLED": return .stopped
        case "CANCELLING": return nil
        default: return status.hasPrefix("FAILED") ? .failed : nil
        }
    }

    /// SkyPilot's terminal statuses: SUCCEEDED, CANCELLED and every FAILED*.
    public static func isTerminal(_ status: String) -> Bool {
        status == "SUCCEEDED" || status == "CANCELLED" || status.hasPrefix("FAILED")
    }

    /// The statuses to report, in order, to get from `current` to `target` through transitions
    /// the state machine allows (a poll can miss a step: PENDING → SUCCEEDED is reported as
    /// RUNNING, then COMPLETED). Empty when already there; nil when there is no way.
    public static func path(from current: JobStatus, to target: JobStatus) -> [JobStatus]? {
        if current == target { return [] }
        var previous: [JobStatus: JobStatus] = [:]
        var queue = [current]
        var seen: Set<JobStatus> = [current]
        while !queue.isEmpty {
            let status = queue.removeFirst()
            // Breadth first, in a fixed order, so the path is always the same.
            for next in JobStatus.allCases where status.canTransition(to: next) && !seen.contains(next) {
                previous[next] = status
                if next == target {
                    var path = [next]
                    var step = status
                    while step != current {
                        path.insert(step, at: 0)
                        step = previous[step]!
                    }
                    return path
                }
                seen.insert(next)
                if !next.isFinal { queue.append(next) }
            }
        }
        return nil
    }
}
