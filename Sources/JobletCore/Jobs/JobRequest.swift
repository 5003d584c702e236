import Foundation

/// What a client asks to run: the domain form of RunJobRequest, before validation.
public struct JobRequest: Sendable, Hashable {
    public var name: String
    public var command: String
    public var args: [String]
    public var limits: ResourceLimits
    public var environment: [String: String]
    /// Stored (a scheduled job needs it after a restart) but never returned by a listing.
    public var secretEnvironment: [String: String]
    public var uploads: [FileUpload]
    public var workDir: String
    /// RFC 3339 start time; "" = now.
    public var schedule: String
    public var network: String
    public var volumes: [String]
    public var runtime: String
    public var gpuCount: Int
    public var gpuMemoryMB: Int
    /// Where a remote backend should run it (e.g. a SkyPilot infra string such as "aws/us-east-1").
    public var infra: String
    /// Sandbox (issue 16): the workspace size limit in MB for a local job; 0: the server's default.
    public var workspaceLimitMB = 0
    /// Training (issue 19): outputs to keep when the job ends (paths or globs inside the workspace).
    public var artifacts: [String] = []

    public init(name: String = "", command: String, args: [String] = [], limits: ResourceLimits = ResourceLimits(),
                environment: [String: String] = [:], secretEnvironment: [String: String] = [:],
                uploads: [FileUpload] = [], workDir: String = "", schedule: String = "", network: String = "",
                volumes: [String] = [], runtime: String = "", gpuCount: Int = 0, gpuMemoryMB: Int = 0,
                infra: String = "") {
        self.name = name
        self.command = command
        self.args = args
        self.limits = limits
        self.environment = environment
        self.secretEnvironment = secretEnvironment
        self.uploads = uploads
        self.workDir = workDir
        self.schedule = schedule
        self.network = network
        self.volumes = volumes
        self.runtime = runtime
        self.gpuCount = gpuCount
        self.gpuMemoryMB = gpuMemoryMB
        self.infra = infra
    }

    /// The schedule as a time, or nil for "now". Only meaningful after validation.
    public var scheduledTime: Date? {
        schedule.isEmpty ? nil : RFC3339.parse(schedule)
    }
}
