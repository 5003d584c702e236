import Foundation
import JobletAPI

/// What `rnx run` was given, as typed; `makeRequest` checks it and builds the RunJobRequest.
public struct RunOptions: Sendable, Equatable {
    public var name: String?
    public var maxCPU: Int32?
    public var maxMemory: Int32?
    public var maxIOBPS: Int32?
    public var cpuCores: String?
    public var environment: [String] = []
    public var secretEnvironment: [String] = []
    public var uploads: [String] = []
    public var workDir: String?
    public var schedule: String?
    public var gpus: Int32?
    public var gpuMemoryMB: Int32?
    public var infra: String?
    /// Networks and volumes (issue 15): `--network`, `--volume NAME[:/path[:ro]]` (repeatable).
    public var network: String?
    public var volumes: [String] = []
    /// An installed runtime's name (`--runtime`).
    public var runtime: String?
    /// Training (issue 19): outputs to keep when the job ends.
    public var artifacts: [String] = []
    /// The job's command and its arguments; a leading `--` (the option terminator) is dropped.
    public var command: [String] = []

    public init() {}

    public func makeRequest(now: Date = Date()) throws -> Joblet_RunJobRequest {
        var words = command
        if words.first == "--" { words.removeFirst() }
        guard let executable = words.first, !executable.isEmpty else {
            throw JobletClientError("no command to run: rnx run [options] <command> [args...]")
        }
        var request = Joblet_RunJobRequest()
        request.command = executable
        request.args = Array(words.dropFirst())
        request.name = name ?? ""
        request.maxCpu = try nonNegative(maxCPU, "--max-cpu")
        request.maxMemory = try nonNegative(maxMemory, "--max-memory")
        request.maxIobps = try nonNegative(maxIOBPS, "--max-iobps")
        request.gpuCount = try nonNegative(gpus, "--gpus")
        request.gpuMemoryMb = try nonNegative(gpuMemoryMB, "--gpu-memory")
        request.cpuCores = cpuCores ?? ""
        request.workDir = workDir ?? ""
        request.infra = infra ?? ""
        request.runtime = runtime ?? ""
        request.environment = try KeyValue.parse(environment, flag: "--env")
        request.secretEnvironment = try KeyValue.parse(secretEnvironment, flag: "--secret-env")
        if let schedule { request.schedule = try Schedule.resolve(schedule, now: now) }
        request.uploads = try Uploads.collect(uploads)
        request.network = network ?? ""
        request.volumes = volumes
        request.artifacts = artifacts
        return request
    }

    private func nonNegative(_ value: Int32?, _ flag: String) throws -> Int32 {
        guard let value else { return 0 }
        guard value >= 0 else { throw JobletClientError("bad \(flag) \(value): must be 0 or more") }
        return value
    }
}
