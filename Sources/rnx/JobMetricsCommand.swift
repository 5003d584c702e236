import ArgumentParser
import Foundation
import JobletClient

/// `rnx job metrics ID [--watch]`.
struct JobMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "A job's CPU, memory, I/O and processes, from its cgroup (totals once it ended), and its training metrics.",
        discussion: """
        Examples:
          rnx job metrics f47ac10b                      # with a loss chart when the job reported training metrics
          rnx job metrics --watch f47ac10b              # a line per second until the job ends
          rnx job metrics --watch --interval 5 --json f47ac10b
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Keep printing samples until the job ends.") var watch = false
    @Option(help: ArgumentHelp("Seconds between samples with --watch.", valueName: "seconds")) var interval = 1
    @Flag(help: "Print JSON (one object per line with --watch).") var json = false
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func validate() throws {
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
    }

    func run() async throws {
        try await reportingFailures {
            try await connection.withClient { client in
                let render = json ? MonitorJSON.jobSample : MonitorReport.jobSample
                guard watch else {
                    Output.print(render(try await client.jobMetrics(id: id)))
                    if !json { Output.print(try await trainingHistory(client)) }  // training (issue 19)
                    return 0
                }
                for try await sample in try await client.jobMetricsStream(id: id, intervalSeconds: interval) {
                    Output.print(render(sample))
                }
                return 0
            }
        }
    }

    /// The job's training metrics with a loss chart; nothing when it reported none.
    private func trainingHistory(_ client: JobletClient) async throws -> String {
        let history = TrainingReport.history(try await client.trainingMetrics(id: id))
        return history.isEmpty ? "" : "\n" + history
    }
}
