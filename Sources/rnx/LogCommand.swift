import ArgumentParser
import Foundation
import JobletClient
import Synchronization

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print a job's output, following it until the job ends.",
        discussion: """
        Exits with the job's exit code when the job failed.

        Examples:
          rnx log f47ac10b                  # everything so far, then live output
          rnx log --follow=false f47ac10b   # what is there now, then exit
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(name: [.customShort("f"), .long], inversion: .prefixedNo,
          help: "Follow live output until the job ends (--follow=false: print what is there and exit).")
    var follow = true
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            try await connection.withClient { client in
                let status = try await client.jobStatus(id: id)
                if follow || JobOutcome.isFinal(status.status) {
                    return try await Self.follow(client: client, id: status.uuid)
                }
                try await Self.printAvailable(client: client, id: status.uuid)
                return 0
            }
        }
    }

    /// Streams the log to stdout until the job ends; returns the job's process exit code.
    static func follow(client: JobletClient, id: String) async throws -> Int32 {
        FollowInterrupt.install(jobID: id)
        for try await chunk in try await client.jobLogs(id: id) { Output.write(chunk) }
        // The stream ends once the job is final; allow the status a moment to say so too.
        var status = try await client.jobStatus(id: id)
        for _ in 0..<50 where !JobOutcome.isFinal(status.status) {
            try await Task.sleep(for: .milliseconds(100))
            status = try await client.jobStatus(id: id)
        }
        if status.status.uppercased() == "FAILED" {
            Output.error("job \(id.prefix(8)) failed" + (status.reason.isEmpty ? "" : ": \(status.reason)"))
        }
        return JobOutcome.processExitCode(status: status.status, exitCode: status.exitCode)
    }

    /// A running job's log has no end: print until the server has been quiet for a moment.
    static func printAvailable(client: JobletClient, id: String, quiet: Duration = .milliseconds(300)) async throws {
        let clock = ContinuousClock()
        let last = Mutex(clock.now)
        let done = Mutex(false)
        let stream = try await client.jobLogs(id: id)
        let reader = Task {
            defer { done.withLock { $0 = true } }
            for try await chunk in stream {
                Output.write(chunk)
                last.withLock { $0 = clock.now }
            }
        }
        while !done.withLock({ $0 }), clock.now - last.withLock({ $0 }) < quiet {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Stopped by us after the quiet period: the call ends cancelled, which is no failure
        // (the stream may report it as the server's "cancelled by the client" status).
        let stoppedByUs = !done.withLock { $0 }
        reader.cancel()
        if case .failure(let error) = await reader.result, !(error is CancellationError), !stoppedByUs { throw error }
    }
}
