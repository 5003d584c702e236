import ArgumentParser
import JobletClient

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a running job (SIGTERM, then SIGKILL after a grace period).",
        discussion: """
        Examples:
          rnx stop f47ac10b
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.withClient { try await $0.stopJob(id: id) }
            Output.print(JobReport.stopped(result))
            return 0
        }
    }
}
