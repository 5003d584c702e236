import Foundation

/// Checks a `JobRequest` before anything is stored and fills in default limits.
/// A value type with no shared state.
public struct JobRequestValidator: Sendable {
    /// Limits applied where a request leaves a field at 0.
    public var defaults: ResourceLimits
    /// CPUs on the host: bounds `cpuCores` and `maxCPU` (100 % per CPU).
    public var hostCPUCount: Int
    /// Memory on the host in MiB; nil = no upper bound checked.
    public var hostMemoryMB: Int?

    public init(defaults: ResourceLimits = .standardDefaults, hostCPUCount: Int, hostMemoryMB: Int?) {
        self.defaults = defaults
        self.hostCPUCount = hostCPUCount
        self.hostMemoryMB = hostMemoryMB
    }

    /// Limits from this machine's CPU count and physical memory.
    public static func forThisHost(defaults: ResourceLimits = .standardDefaults) -> JobRequestValidator {
        JobRequestValidator(defaults: defaults, hostCPUCount: ProcessInfo.processInfo.activeProcessorCount,
                            hostMemoryMB: Int(ProcessInfo.processInfo.physicalMemory / (1024 * 1024)))
    }

    /// The request with defaults applied, or `.invalidArgument` naming the first problem.
    public func validate(_ request: JobRequest) throws(JobletError) -> JobRequest {
        var request = request
        request.command = request.command.trimmingCharacters(in: .whitespaces)
        guard !request.command.isEmpty else {
            throw .invalidArgument("command is empty: give the program to run, e.g. `rnx run echo hello`")
        }
        try Self.checkText(request.command, field: "command")
        try Self.checkText(request.name, field: "name")
        for (index, arg) in request.args.enumerated() {
            try Self.checkText(arg, field: "args[\(index)]")
        }
        // Training (issue 19): a job sent elsewhere (GPUs, an infra) is not bound by this host's size.
        try checkLimits(request.limits, onThisHost: request.gpuCount == 0 && InfraRoute(infra: request.infra) == .local)
        guard request.workspaceLimitMB >= 0 else {
            throw .invalidArgument("workspace_limit_mb \(request.workspaceLimitMB) is negative: give a size in MB, or 0 for the server's jobs.defaultWorkspaceMB")
        }
        request.limits = request.limits.filled(from: defaults)
        try Self.checkEnvironment(request.environment, secret: request.secretEnvironment)
        for upload in request.uploads {
            try Self.checkUploadPath(upload.path)
            guard upload.mode <= 0o7777 else {
                throw .invalidArgument("upload '\(upload.path)' has invalid mode \(String(upload.mode, radix: 8)); use permission bits like 0644")
            }
        }
        try Self.checkText(request.workDir, field: "workDir")
        _ = try Self.workspaceRelativeWorkDir(request.workDir)
        try Self.checkText(request.runtime, field: "runtime")
        try Self.checkText(request.infra, field: "infra")
        try ArtifactPattern.check(request.artifacts)  // training (issue 19)
        if !request.network.isEmpty { try Self.checkName(request.network, what: "network") }
        for volume in request.volumes { _ = try VolumeBinding(parsing: volume) }  // name[:/path[:ro]]
        guard request.gpuCount >= 0 else { throw .invalidArgument("gpuCount is negative (\(request.gpuCount))") }
        guard request.gpuMemoryMB >= 0 else {
            throw .invalidArgument("gpuMemoryMB is negative (\(request.gpuMemoryMB))")
        }
        request.schedule = request.schedule.trimmingCharacters(in: .whitespaces)
        if !request.schedule.isEmpty {
            guard let time = RFC3339.parse(request.schedule) else {
                throw .invalidArgument("invalid schedule '\(request.schedule)': expected an RFC 3339 time like 2025-07-01T15:04:05Z")
            }
            request.schedule = RFC3339.format(time)
        }
        return request
    }

    private func checkLimits(_ limits: ResourceLimits, onThisHost: Bool = true) throws(JobletError) {
        for (field, value) in [("maxCPU", limits.maxCPU), ("maxMemory", limits.maxMemoryMB),
                               ("maxIOBPS", limits.maxIOBPS), ("maxPIDs", limits.maxPIDs)] where value < 0 {
            throw .invalidArgument("\(field) is negative (\(value)); use 0 for the default")
        }
        guard onThisHost else { return }
        if limits.maxCPU > hostCPUCount * 100 {
            throw .invalidArgument("maxCPU \(limits.maxCPU)% exceeds this host's \(hostCPUCount) CPUs (at most \(hostCPUCount * 100)%)")
        }
        if let hostMemoryMB, limits.maxMemoryMB > hostMemoryMB {
            throw .invalidArgument("maxMemory \(limits.maxMemoryMB) MB exceeds this host's \(hostMemoryMB) MB")
        }
        if !limits.cpuCores.isEmpty {
            let set = try CPUSet(parsing: limits.cpuCores)
            if let highest = set.cpus.last, highest >= hostCPUCount {
                throw .invalidArgument("cpuCores '\(limits.cpuCores)' names CPU \(highest), but this host has CPUs 0-\(hostCPUCount - 1)")
            }
        }
    }

    private static func checkEnvironment(_ plain: [String: String], secret: [String: String]) throws(JobletError) {
        for (name, value) in plain.sorted(by: { $0.key < $1.key }) {
            try checkEnvironmentName(name)
            try checkText(value, field: "environment variable \(name)")
        }
        for (name, value) in secret.sorted(by: { $0.key < $1.key }) {
            try checkEnvironmentName(name)
            try checkText(value, field: "secret environment variable \(name)")
            if plain[name] != nil {
                throw .invalidArgument("environment variable \(name) is given both as plain and as secret; keep one")
            }
        }
    }

    /// POSIX-portable names: a letter or `_`, then letters, digits or `_`.
    public static func checkEnvironmentName(_ name: String) throws(JobletError) {
        let bytes = Array(name.utf8)
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        guard let first = bytes.first, isLetter(first), bytes.allSatisfy({ isLetter($0) || ($0 >= 48 && $0 <= 57) }) else {
            throw .invalidArgument("invalid environment variable name '\(name)': use letters, digits and _, not starting with a digit")
        }
    }

    /// An upload path must stay inside the workspace: relative, no `..`, no NUL.
    public static func checkUploadPath(_ path: String) throws(JobletError) {
        guard !path.isEmpty else { throw .invalidArgument("upload path is empty") }
        guard !path.utf8.contains(0) else { throw .invalidArgument("upload path contains a NUL byte") }
        guard !path.hasPrefix("/") else {
            throw .invalidArgument("upload path '\(path)' is absolute; give a path relative to the job's workspace")
        }
        guard !path.split(separator: "/").contains("..") else {
            throw .invalidArgument("upload path '\(path)' contains '..' and would escape the job's workspace")
        }
    }

    /// Where jobs see their workspace mounted.
    public static let workspaceMountPoint = "/work"

    /// `work_dir` relative to the job's workspace. Jobs see the workspace at /work, so "/work" and
    /// paths under it are accepted as well as relative ones; anything else outside it is refused.
    public static func workspaceRelativeWorkDir(_ workDir: String) throws(JobletError) -> String {
        var relative = workDir
        if workDir == workspaceMountPoint || workDir == workspaceMountPoint + "/" {
            return ""
        } else if workDir.hasPrefix(workspaceMountPoint + "/") {
            relative = String(workDir.dropFirst(workspaceMountPoint.count + 1))
        } else if workDir.hasPrefix("/") {
            throw .invalidArgument("work_dir '\(workDir)' is outside the job's workspace: give a path under "
                                   + "\(workspaceMountPoint) (where the workspace is mounted) or relative to it")
        }
        guard !relative.split(separator: "/").contains("..") else {
            throw .invalidArgument("work_dir '\(workDir)' contains '..' and would leave the job's workspace")
        }
        return relative
    }

    /// Network and volume names: letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    private static func checkName(_ name: String, what: String) throws(JobletError) {
        guard isPlainName(name) else {
            throw .invalidArgument("invalid \(what) name '\(name)': use letters, digits, '.', '_' and '-' (at most 64)")
        }
    }

    /// Letters, digits, `.`, `_` and `-`, starting with a letter or digit, 1 to 64 bytes.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.enumerated().allSatisfy { index, b in
            let alnum = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
            return alnum || (index > 0 && (b == 46 || b == 95 || b == 45))
        }
    }

    private static func checkText(_ text: String, field: String) throws(JobletError) {
        guard !text.utf8.contains(0) else { throw .invalidArgument("\(field) contains a NUL byte") }
    }
}
