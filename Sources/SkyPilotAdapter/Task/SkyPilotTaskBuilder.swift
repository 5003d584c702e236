import Foundation
import JobletCore
import Yams

/// Turns a `JobRequest` into a SkyPilot task YAML: accelerators from `gpuCount` and
/// `gpuMemoryMB`, cpus and memory from the limits (as minimums), `infra` as given, `envs`,
/// `secrets` (SkyPilot redacts them in its own displays), the uploads' `workdir`, and `run` as
/// the exact argv, shell-quoted.
public struct SkyPilotTaskBuilder: Sendable {
    public var defaultAccelerator: String
    public var gpuCatalog: [GPUModel]
    /// Training (issue 19): `skypilot.artifactStore`, mounted into every task; nil: none.
    public var artifactStore: String?

    public init(defaultAccelerator: String = "H100", gpuCatalog: [GPUModel] = GPUModel.builtInCatalog) {
        self.defaultAccelerator = defaultAccelerator
        self.gpuCatalog = gpuCatalog
    }

    public init(configuration: SkyPilotConfiguration) {
        self.init(defaultAccelerator: configuration.defaultAccelerator, gpuCatalog: configuration.gpuCatalog)
        artifactStore = configuration.artifactStore
    }

    /// `NAME:COUNT`: the smallest catalog GPU with at least `gpuMemoryMB` (ties: the first listed),
    /// or the default accelerator when no memory is asked for.
    public func accelerators(gpuCount: Int, gpuMemoryMB: Int) throws(JobletError) -> String {
        guard gpuCount > 0 else { throw .invalidArgument("gpuCount must be at least 1 for a SkyPilot job (is \(gpuCount))") }
        guard gpuMemoryMB > 0 else { return "\(defaultAccelerator):\(gpuCount)" }
        let fitting = gpuCatalog.enumerated()
            .filter { $0.element.memoryGB * 1024 >= gpuMemoryMB }
            .min { ($0.element.memoryGB, $0.offset) < ($1.element.memoryGB, $1.offset) }
        guard let model = fitting?.element else {
            let largest = gpuCatalog.max { $0.memoryGB < $1.memoryGB }
            let hint = largest.map { "; the largest is \($0.name) with \($0.memoryGB) GB" } ?? ""
            throw .invalidArgument("no GPU in the catalog has \(gpuMemoryMB) MB of memory\(hint)")
        }
        return "\(model.name):\(gpuCount)"
    }

    /// The task for `request`, named `name`; `workdir` is where its uploads were staged, if any.
    public func task(for request: JobRequest, name: String, workdir: String? = nil) throws -> SkyPilotTask {
        // A job with an infra and no GPUs (training, issue 19) asks for CPUs and memory only.
        let accelerators = request.gpuCount > 0
            ? try accelerators(gpuCount: request.gpuCount, gpuMemoryMB: request.gpuMemoryMB) : "no GPUs"
        var resources: [(Node, Node)] = request.gpuCount > 0 ? [(Node("accelerators"), plain(accelerators))] : []
        if request.limits.maxCPU > 0 {
            let cores = (request.limits.maxCPU + 99) / 100
            resources.append(("cpus", plain("\(cores)+")))
        }
        if request.limits.maxMemoryMB > 0 {
            resources.append(("memory", plain(Self.gigabytes(request.limits.maxMemoryMB) + "+")))
        }
        if case .skyPilot(let infra) = InfraRoute(infra: request.infra) {  // provider names mapped: vastai → vast
            resources.append(("infra", quoted(infra)))
        }

        var root: [(Node, Node)] = [("name", quoted(name)), ("resources", .mapping(.init(resources)))]
        var environment = request.environment
        if let store = artifactStore {  // the task writes its outputs to the bucket, one folder per job
            environment[ArtifactStoreURL.environmentName] = ArtifactStoreURL.mountPoint
            let mount: Node = .mapping(.init([(Node("source"), quoted(ArtifactStoreURL.folder(store, jobID: name))),
                                              (Node("mode"), plain("MOUNT"))]))
            root.append(("file_mounts", .mapping(.init([(Node(ArtifactStoreURL.mountPoint), mount)]))))
        }
        if !environment.isEmpty {
            root.append(("envs", Self.stringMap(environment)))
        }
        if !request.secretEnvironment.isEmpty {
            root.append(("secrets", Self.stringMap(request.secretEnvironment)))
        }
        if let workdir {
            root.append(("workdir", quoted(workdir)))
        }
        root.append(("run", Node(runScript(for: request), Tag(.str), .literal)))
        let yaml = try Yams.serialize(node: .mapping(.init(root)), width: -1, allowUnicode: true)
        return SkyPilotTask(name: name, yaml: yaml, accelerators: accelerators,
                            secretValues: Array(request.secretEnvironment.values))
    }

    /// The argv as one command line; a relative working directory (inside the uploaded workdir)
    /// is entered first. An absolute one names a path on this host, meaningless on a cloud VM.
    func runScript(for request: JobRequest) -> String {
        let command = ShellQuoting.commandLine(request.command, request.args)
        guard !request.workDir.isEmpty, !request.workDir.hasPrefix("/") else { return command + "\n" }
        return "cd \(ShellQuoting.quote(request.workDir)) && \(command)\n"
    }

    /// MiB as SkyPilot's GB, rounded up to a tenth: 512 → "0.5", 2048 → "2".
    static func gigabytes(_ megabytes: Int) -> String {
        let tenths = (megabytes * 10 + 1023) / 1024
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    private static func stringMap(_ values: [String: String]) -> Node {
        .mapping(.init(values.sorted { $0.key < $1.key }.map { (Node($0.key), quoted($0.value)) }))
    }
}

private func plain(_ s: String) -> Node { Node(s, Tag(.str), .plain) }
/// Always quoted, so that `123`, `true` or `null` stay strings.
private func quoted(_ s: String) -> Node { Node(s, Tag(.str), .doubleQuoted) }
