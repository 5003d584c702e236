import ArgumentParser
import JobletClient

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a scheduled job before it starts.",
        discussion: """
        Examples:
          rnx run --schedule="in 1h" ./report.sh
          rnx cancel 6ba7b810
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.withClient { try await $0.cancelJob(id: id) }
            Output.print(JobReport.canceled(result))
            return 0
        }
    }
}
