import ArgumentParser
import JobletClient

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a job's status, limits, times and exit code.",
        discussion: """
        Examples:
          rnx status f47ac10b-58cc-4372-a567-0e02b2c3d479
          rnx status f47ac10b           # any unique prefix
          rnx status --json f47ac10b
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "ID is a workflow's: show its jobs (as `rnx workflow status`).") var workflow = false
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            if workflow {
                let status = try await connection.withClient { try await $0.workflowStatus(id: id) }
                Output.print(json ? WorkflowReport.statusJSON(status) : WorkflowReport.status(status))
                return 0
            }
            let status = try await connection.withClient { try await $0.jobStatus(id: id) }
            Output.print(json ? JobJSON.render(status) : JobReport.status(status, color: Output.colorWanted))
            return 0
        }
    }
}
