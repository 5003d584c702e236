import ArgumentParser
import JobletClient

struct DeleteAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-all",
        abstract: "Delete every finished job; running and scheduled jobs are kept.",
        discussion: """
        Examples:
          rnx delete-all
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.withClient { try await $0.deleteAllJobs() }
            guard result.success else {
                throw JobletClientError(result.message.isEmpty ? "jobs were not deleted" : result.message)
            }
            Output.print("Deleted \(result.deletedCount) job(s); skipped \(result.skippedCount) not finished\n")
            return 0
        }
    }
}
