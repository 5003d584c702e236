import ArgumentParser
import JobletClient

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a finished job: its record, log and workspace.",
        discussion: """
        A running job must be stopped first.

        Examples:
          rnx delete f47ac10b
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.withClient { try await $0.deleteJob(id: id) }
            guard result.success else {
                throw JobletClientError(result.message.isEmpty ? "job \(id) was not deleted" : result.message)
            }
            Output.print("Job \(result.uuid.isEmpty ? id : result.uuid) deleted\n")
            return 0
        }
    }
}
