import ArgumentParser

/// `rnx job …`: Joblet's layout of the job commands. The same command types as the short forms
/// (`rnx run` ≡ `rnx job run`); other job commands (e.g. metrics) join `subcommands` here.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Jobs in Joblet's layout: run, list, status, log, stop, cancel, delete, metrics.",
        discussion: """
        Examples:
          rnx job run python3 train.py
          rnx job list
          rnx job log -f f47ac10b
        """,
        subcommands: [RunCommand.self, ListCommand.self, StatusCommand.self, LogCommand.self, StopCommand.self,
                      CancelCommand.self, DeleteCommand.self, DeleteAllCommand.self, JobMetricsCommand.self]
                      + trainingCommands)
}
