import ArgumentParser
import JobletClient

/// `rnx watch [ID]` (training, issue 19): live status changes, metric samples and end notices.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow jobs live: status changes, training metrics, and a line when a job ends.",
        discussion: """
        With an ID it starts with the job's status and ends after the job does (exit code 0 when
        it COMPLETED, 1 otherwise); without, it follows every job until interrupted.

        Examples:
          rnx watch f47ac10b
          rnx watch
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one; none: every job.", valueName: "id")) var id: String?

    func run() async throws {
        try await reportingFailures {
            try await connection.withClient { client in
                var last = ""
                for try await event in try await client.watchJobs(id: id ?? "") {
                    Output.print(WatchReport.line(event, color: Output.colorWanted))
                    if event.type == "ended" { last = event.status }
                }
                return id == nil || last == "COMPLETED" ? 0 : 1
            }
        }
    }
}
