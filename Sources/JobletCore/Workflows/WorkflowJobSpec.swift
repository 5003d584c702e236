/// One job of a workflow definition, as parsed and validated: everything RunJob would get, plus
/// its requirements and the workflow files it takes. Codable: the engine stores it (secrets
/// included, like the job table) so that a job can start after a restart.
public struct WorkflowJobSpec: Sendable, Hashable, Codable {
    public var name: String
    public var command: String
    public var args: [String]
    public var limits: ResourceLimits
    public var environment: [String: String]
    public var secretEnvironment: [String: String]
    public var workDir: String
    public var network: String
    public var volumes: [String]
    public var runtime: String
    public var gpuCount: Int
    public var gpuMemoryMB: Int
    /// Paths among the workflow's files (`uploads.files`).
    public var uploadFiles: [String]
    /// Folders among the workflow's files (`uploads.directories`): every file below is taken.
    public var uploadDirectories: [String]
    public var requirements: [WorkflowRequirement]

    public init(name: String, command: String = "", args: [String] = [], limits: ResourceLimits = ResourceLimits(),
                environment: [String: String] = [:], secretEnvironment: [String: String] = [:], workDir: String = "",
                network: String = "", volumes: [String] = [], runtime: String = "", gpuCount: Int = 0,
                gpuMemoryMB: Int = 0, uploadFiles: [String] = [], uploadDirectories: [String] = [],
                requirements: [WorkflowRequirement] = []) {
        self.name = name
        self.command = command
        self.args = args
        self.limits = limits
        self.environment = environment
        self.secretEnvironment = secretEnvironment
        self.workDir = workDir
        self.network = network
        self.volumes = volumes
        self.runtime = runtime
        self.gpuCount = gpuCount
        self.gpuMemoryMB = gpuMemoryMB
        self.uploadFiles = uploadFiles
        self.uploadDirectories = uploadDirectories
        self.requirements = requirements
    }

    /// Names of the jobs this one requires, in the order written.
    public var dependencies: [String] { requirements.map(\.job) }

    /// The RunJob request for this job, with its uploads picked from the workflow's files.
    public func request(files: [FileUpload]) -> JobRequest {
        JobRequest(name: name, command: command, args: args, limits: limits, environment: environment,
                   secretEnvironment: secretEnvironment, uploads: uploads(from: files), workDir: workDir,
                   network: network, volumes: volumes, runtime: runtime, gpuCount: gpuCount,
                   gpuMemoryMB: gpuMemoryMB)
    }

    /// The files (and folder entries) this job takes from the workflow's files, in their order.
    public func uploads(from files: [FileUpload]) -> [FileUpload] {
        files.filter { file in
            uploadFiles.contains(file.path) || uploadDirectories.contains { folder in
                file.path == folder || file.path.hasPrefix(Self.folderPrefix(folder))
            }
        }
    }

    static func folderPrefix(_ folder: String) -> String {
        folder.hasSuffix("/") ? folder : folder + "/"
    }
}
