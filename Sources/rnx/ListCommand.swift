import ArgumentParser
import JobletClient

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs.",
        discussion: """
        Examples:
          rnx list
          rnx list --status RUNNING --status FAILED
          rnx list --json | jq '.[] | select(.status == "FAILED") | .id'
        Jobs come a page at a time (ListJobsPage), so a server with any number of jobs lists them
        all; against a server without it (upstream Joblet) rnx falls back to ListJobs.
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "List workflows instead (all of them; as `rnx workflow list --all`).") var workflow = false
    @Option(name: .customLong("status"), help: "Only jobs with this status (repeat for several): RUNNING, COMPLETED, FAILED…")
    var statuses: [String] = []

    func run() async throws {
        try await reportingFailures {
            if workflow {
                let workflows = try await connection.withClient { try await $0.listWorkflows(includeCompleted: true) }
                Output.print(json ? WorkflowReport.listJSON(workflows) : WorkflowReport.list(workflows))
                return 0
            }
            let statuses = statuses
            let jobs = try await connection.withClient { try await $0.allJobs(statuses: statuses) }
            if json {
                Output.print(JobJSON.render(jobs))
            } else {
                Output.print(jobs.isEmpty ? "No jobs\n" : JobTable.render(jobs, color: Output.colorWanted))
            }
            return 0
        }
    }
}
