import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JobletClient

/// `rnx workflow run|list|status|stop`.
struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Run and follow YAML workflows (jobs with requirements).",
        discussion: """
        Examples:
          rnx workflow run pipeline.yaml            # files in uploads: are sent, relative to the YAML's folder
          rnx workflow run --watch pipeline.yaml    # then redraw its status until it ends
          rnx workflow list --all
          rnx workflow status --watch 3f2a
          rnx workflow stop 3f2a
        """,
        subcommands: [WorkflowRunCommand.self, WorkflowListCommand.self, WorkflowStatusCommand.self,
                      WorkflowStopCommand.self])

    /// Sends the YAML and its files; prints the new workflow (or watches it).
    static func run(yamlPath: String, watch: Bool, json: Bool, client: JobletClient) async throws -> Int32 {
        let request = try WorkflowFiles.request(yamlPath: yamlPath)
        let response = try await client.runWorkflow(request)
        if watch { return try await follow(id: response.workflowUuid, json: json, client: client) }
        if json {
            Output.print(WorkflowReport.summaryJSON(id: response.workflowUuid, status: response.status))
        } else {
            Output.print("Workflow \(response.workflowUuid) \(response.status.lowercased()) (\(request.workflowFiles.count) file(s) sent)\n")
        }
        return 0
    }

    /// Redraws the status table (on a terminal: in place) until the workflow is final; exits 0
    /// when it COMPLETED, else 1. Polls every `interval`; there is no streaming workflow RPC.
    static func follow(id: String, json: Bool, client: JobletClient, interval: Duration = .milliseconds(500))
        async throws -> Int32
    {
        let terminal = isatty(STDOUT_FILENO) == 1 && !json
        var last = ""
        while true {
            let status = try await client.workflowStatus(id: id)
            let text = json ? WorkflowReport.statusJSON(status) : WorkflowReport.status(status)
            if text != last {
                Output.print(terminal ? "\u{1B}[H\u{1B}[2J" + text : (last.isEmpty ? text : "\n" + text))
                last = text
            }
            let state = status.workflow?.status ?? ""
            if WorkflowReport.isFinal(state) { return state == "COMPLETED" ? 0 : 1 }
            try await Task.sleep(for: interval)
        }
    }
}

struct WorkflowRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a workflow from a YAML file.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Redraw the workflow's status until it ends; exit 0 only if it COMPLETED.") var watch = false
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: ArgumentHelp("The workflow's YAML file.", valueName: "file.yaml")) var file: String

    func run() async throws {
        try await reportingFailures {
            try await connection.withClient { try await WorkflowCommand.run(yamlPath: file, watch: watch, json: json, client: $0) }
        }
    }
}

struct WorkflowListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List workflows (running ones unless --all).")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(name: [.short, .long], help: "Include finished workflows.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingFailures {
            let workflows = try await connection.withClient { try await $0.listWorkflows(includeCompleted: all) }
            Output.print(json ? WorkflowReport.listJSON(workflows) : WorkflowReport.list(workflows))
            return 0
        }
    }
}

struct WorkflowStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a workflow's jobs: JOB ID, NAME, STATUS, EXIT, DEPENDENCIES.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Redraw until the workflow ends; exit 0 only if it COMPLETED.") var watch = false
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: ArgumentHelp("Workflow id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            try await connection.withClient { client in
                if watch { return try await WorkflowCommand.follow(id: id, json: json, client: client) }
                let status = try await client.workflowStatus(id: id)
                Output.print(json ? WorkflowReport.statusJSON(status) : WorkflowReport.status(status))
                return 0
            }
        }
    }
}

struct WorkflowStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a workflow: running jobs are stopped, waiting ones cancelled.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: ArgumentHelp("Workflow id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.stopWorkflow(id: id) }
            Output.print(json ? WorkflowReport.summaryJSON(id: r.workflowUuid, status: r.status)
                              : "Workflow \(r.workflowUuid) \(r.status.lowercased())\n")
            return 0
        }
    }
}
