import ArgumentParser

/// `rnx`: the command line of jobletd (Joblet-compatible).
struct Rnx: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnx",
        abstract: "Run and manage jobs on a jobletd server.",
        discussion: """
        Connection: --server --cert --key --ca (before or after the command), else JOBLET_SERVER, \
        JOBLET_CERT_PATH, JOBLET_KEY_PATH, JOBLET_CA_PATH, else a node of ~/.rnx/rnx-config.yml \
        (--node picks one; default 'default'), else 127.0.0.1:50051 with ./certs/admin-client-*.pem.

        Examples:
          rnx run echo hello
          rnx run --max-cpu=50 --max-memory=512 --follow python3 train.py
          rnx --server=prod:50051 list
          rnx log f47ac10b
          rnx job list                  # Joblet's layout: rnx job run|list|status|log|stop|…
          rnx nodes                     # the nodes of ~/.rnx/rnx-config.yml
        """,
        version: VersionCommand.text,
        subcommands: [RunCommand.self, StatusCommand.self, ListCommand.self, StopCommand.self, CancelCommand.self,
                      DeleteCommand.self, DeleteAllCommand.self, LogCommand.self,
                      MonitorCommand.self, JobCommand.self, WorkflowCommand.self, NodesCommand.self, VersionCommand.self,
                      NetworkCommand.self, VolumeCommand.self, RuntimeCommand.self]
                      + trainingCommands)
}
