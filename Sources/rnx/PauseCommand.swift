import ArgumentParser
import JobletClient

/// `rnx pause ID` / `rnx resume ID` (training, issue 19): freeze and thaw a local job.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a running local job (its processes are frozen; it keeps its memory).",
        discussion: """
        Examples:
          rnx pause f47ac10b
          rnx resume f47ac10b
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.pauseJob(id: id) }
            Output.print("Job \(r.uuid) \(r.status)\n")
            return 0
        }
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused job.",
        discussion: """
        Examples:
          rnx resume f47ac10b
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.resumeJob(id: id) }
            Output.print("Job \(r.uuid) \(r.status)\n")
            return 0
        }
    }
}
