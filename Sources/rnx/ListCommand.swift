import ArgumentParser
import JobletClient

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs.",
        discussion: """
        Examples:
          rnx list
          rnx list --json | jq '.[] | select(.status == "FAILED") | .id'
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "List workflows instead (all of them; as `rnx workflow list --all`).") var workflow = false

    func run() async throws {
        try await reportingFailures {
            if workflow {
                let workflows = try await connection.withClient { try await $0.listWorkflows(includeCompleted: true) }
                Output.print(json ? WorkflowReport.listJSON(workflows) : WorkflowReport.list(workflows))
                return 0
            }
            let jobs = try await connection.withClient { try await $0.listJobs() }
            if json {
                Output.print(JobJSON.render(jobs))
            } else {
                Output.print(jobs.isEmpty ? "No jobs\n" : JobTable.render(jobs, color: Output.colorWanted))
            }
            return 0
        }
    }
}
