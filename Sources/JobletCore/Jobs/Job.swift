import Foundation

/// A job as the store keeps it and listings show it. Secret environment values never appear
/// here: `maskedSecretEnvironment` has the names, each with the value `***`.
public struct Job: Sendable, Hashable, Identifiable {
    /// A lower-case UUID.
    public var id: String
    public var name: String
    public var command: String
    public var args: [String]
    /// With the configured defaults applied.
    public var limits: ResourceLimits
    public var environment: [String: String]
    public var maskedSecretEnvironment: [String: String]
    public var uploads: [UploadInfo]
    public var workDir: String
    public var network: String
    public var volumes: [String]
    public var runtime: String
    public var gpuCount: Int
    public var gpuMemoryMB: Int
    /// GPUs a local backend assigned.
    public var gpuIndices: [Int]
    public var infra: String
    /// The host or node that runs it, as the backend reports it.
    public var nodeID: String

    public var status: JobStatus
    public var exitCode: Int32?
    /// Why it ended (or is in its state): "exited with code 2", "killed by SIGKILL (OOM)", ….
    public var reason: String?
    /// The `JobBackend.name` that runs it.
    public var backend: String
    /// Backend-private JSON (pid, cgroup path, SkyPilot job id); opaque to everyone else.
    public var backendState: Data?

    public var createdAt: Date
    public var scheduledAt: Date?
    public var startedAt: Date?
    public var endedAt: Date?
    public var updatedAt: Date

    /// The secret mask shown in place of every secret value.
    public static let secretMask = "***"

    public init(id: String, name: String, command: String, args: [String], limits: ResourceLimits,
                environment: [String: String], maskedSecretEnvironment: [String: String], uploads: [UploadInfo],
                workDir: String, network: String, volumes: [String], runtime: String, gpuCount: Int,
                gpuMemoryMB: Int, gpuIndices: [Int], infra: String, nodeID: String, status: JobStatus,
                exitCode: Int32?, reason: String?, backend: String, backendState: Data?, createdAt: Date,
                scheduledAt: Date?, startedAt: Date?, endedAt: Date?, updatedAt: Date) {
        self.id = id
        self.name = name
        self.command = command
        self.args = args
        self.limits = limits
        self.environment = environment
        self.maskedSecretEnvironment = maskedSecretEnvironment
        self.uploads = uploads
        self.workDir = workDir
        self.network = network
        self.volumes = volumes
        self.runtime = runtime
        self.gpuCount = gpuCount
        self.gpuMemoryMB = gpuMemoryMB
        self.gpuIndices = gpuIndices
        self.infra = infra
        self.nodeID = nodeID
        self.status = status
        self.exitCode = exitCode
        self.reason = reason
        self.backend = backend
        self.backendState = backendState
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.updatedAt = updatedAt
    }

    /// A new job for a validated request: SCHEDULED when it has a schedule, else INITIALIZING.
    public init(id: String = Job.newID(), request: JobRequest, backend: String, createdAt: Date = Date()) {
        let scheduled = request.scheduledTime
        self.init(
            id: id, name: request.name, command: request.command, args: request.args, limits: request.limits,
            environment: request.environment,
            maskedSecretEnvironment: request.secretEnvironment.mapValues { _ in Job.secretMask },
            uploads: request.uploads.map(\.info), workDir: request.workDir, network: request.network,
            volumes: request.volumes, runtime: request.runtime, gpuCount: request.gpuCount,
            gpuMemoryMB: request.gpuMemoryMB, gpuIndices: [], infra: request.infra, nodeID: "",
            status: scheduled == nil ? .initializing : .scheduled, exitCode: nil, reason: nil, backend: backend,
            backendState: nil, createdAt: createdAt, scheduledAt: scheduled, startedAt: nil, endedAt: nil,
            updatedAt: createdAt)
    }

    public static func newID() -> String {
        UUID().uuidString.lowercased()
    }
}
