/// Job statuses as the server spells them, and the exit code rnx reports for a job.
public enum JobOutcome {
    public static let finalStatuses: Set<String> = ["COMPLETED", "FAILED", "STOPPED", "CANCELED"]

    public static func isFinal(_ status: String) -> Bool { finalStatuses.contains(status.uppercased()) }

    /// 0 for COMPLETED (or a job not yet final); otherwise the job's own code when it fits a
    /// process exit status (1...255), else 1 (e.g. STOPPED's -1).
    public static func processExitCode(status: String, exitCode: Int32) -> Int32 {
        switch status.uppercased() {
        case "FAILED", "STOPPED", "CANCELED":
            return (1...255).contains(exitCode) ? exitCode : 1
        default:
            return 0
        }
    }
}
