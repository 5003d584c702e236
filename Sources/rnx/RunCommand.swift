import ArgumentParser
import Foundation
import JobletClient

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command as a job.",
        discussion: """
        Everything after the command name (or after --) is the job's command and its arguments.

        Examples:
          rnx run echo "hello world"
          rnx run --max-cpu=50 --max-memory=512 python3 script.py
          rnx run --env A=1 --secret-env TOKEN=s3cr3t -- python3 -c 'print(1)'
          rnx run --upload=script.py --upload=data/ --workdir=data python3 ../script.py
          rnx run --schedule="in 5m" ./nightly.sh
          rnx run --schedule=2025-07-01T10:00:00Z ./nightly.sh
          rnx run --follow bash -c 'sleep 1; echo done'     # exits with the job's code
          rnx run --workflow=pipeline.yaml                  # a YAML workflow (see rnx workflow)
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    @Option(help: ArgumentHelp("A name for the job.", valueName: "name")) var name: String?
    @Option(help: ArgumentHelp("CPU limit in percent of one core (100 = one core).", valueName: "percent")) var maxCpu: Int32?
    @Option(help: ArgumentHelp("Memory limit in MB.", valueName: "MB")) var maxMemory: Int32?
    @Option(help: ArgumentHelp("I/O limit in bytes per second (0 = unlimited).", valueName: "bytes/s")) var maxIobps: Int32?
    @Option(help: ArgumentHelp("CPU cores to pin the job to, e.g. 0-3 or 1,3.", valueName: "cores")) var cpuCores: String?
    @Option(name: [.customShort("e"), .long], help: ArgumentHelp("Environment variable (repeatable).", valueName: "K=V"))
    var env: [String] = []
    @Option(help: ArgumentHelp("Secret environment variable, never shown back (repeatable).", valueName: "K=V"))
    var secretEnv: [String] = []
    @Option(help: ArgumentHelp("File or directory to copy into the job's workspace, modes kept (repeatable).", valueName: "path"))
    var upload: [String] = []
    @Option(help: ArgumentHelp("Working directory, relative to the workspace.", valueName: "dir")) var workdir: String?
    @Option(help: ArgumentHelp("Start later: RFC3339, or relative like \"in 5m\", \"+10s\".", valueName: "time")) var schedule: String?
    @Option(help: ArgumentHelp("Number of GPUs.", valueName: "N")) var gpus: Int32?
    @Option(help: ArgumentHelp("GPU memory per GPU in MB.", valueName: "MB")) var gpuMemory: Int32?
    @Option(help: ArgumentHelp("Where to run it (a backend-specific infrastructure name).", valueName: "name")) var infra: String?
    @Option(help: ArgumentHelp("Network: bridge (default), isolated, none, host or a custom one.", valueName: "name")) var network: String?
    @Option(name: .customLong("volume"), help: ArgumentHelp("Volume to mount: NAME (at /volumes/NAME), NAME:/path or NAME:/path:ro (repeatable).", valueName: "volume"))
    var volumes: [String] = []
    @Option(help: ArgumentHelp("Output to keep when the job ends, a path or glob in the workspace (repeatable; training).", valueName: "path"))
    var artifact: [String] = []
    @Flag(name: [.customShort("f"), .long], help: "Stream the job's log and exit with the job's exit code.") var follow = false
    @Option(help: ArgumentHelp("Run inside this installed runtime (rnx runtime list), e.g. python-3.11-ml.", valueName: "name")) var runtime: String?
    @Option(help: ArgumentHelp("Run a workflow YAML instead of a command (as `rnx workflow run`).", valueName: "file.yaml"))
    var workflow: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        // captureForPassthrough takes everything from the first word it does not know.
        guard let first = command.first, first.hasPrefix("-"), first != "--" else { return }
        if first == "-h" || first == "--help" { throw CleanExit.helpRequest(self) }
        throw ValidationError("unknown option '\(first)'; a job command that starts with '-' goes after --")
    }

    var options: RunOptions {
        var o = RunOptions()
        o.name = name; o.maxCPU = maxCpu; o.maxMemory = maxMemory; o.maxIOBPS = maxIobps; o.cpuCores = cpuCores
        o.environment = env; o.secretEnvironment = secretEnv; o.uploads = upload; o.workDir = workdir
        o.schedule = schedule; o.gpus = gpus; o.gpuMemoryMB = gpuMemory; o.infra = infra; o.command = command
        o.network = network; o.volumes = volumes
        o.runtime = runtime
        o.artifacts = artifact
        return o
    }

    func run() async throws {
        try await reportingFailures {
            if let workflow {
                guard command.isEmpty else { throw ValidationError("--workflow takes no command: the YAML has the jobs") }
                return try await connection.withClient {
                    try await WorkflowCommand.run(yamlPath: workflow, watch: follow, json: false, client: $0)
                }
            }
            let request = try options.makeRequest()
            return try await connection.withClient { client in
                let notice = UploadNotice(request)
                notice?.started()
                let response = try await client.runJob(request, progress: notice?.progress)
                notice?.finished()
                guard follow else {
                    Output.print(JobReport.started(response))
                    return 0
                }
                Output.writeAll(Array("Job \(response.jobUuid) \(response.status.lowercased()); following its log\n".utf8), to: STDERR_FILENO)
                return try await LogCommand.follow(client: client, id: response.jobUuid)
            }
        }
    }
}
