/// Who may call which gRPC method. `admin` may call everything; `viewer` only the reads listed in
/// `viewerMethods` plus health and reflection; a client with no role only health.
/// A value type with no shared state.
public struct RolePolicy: Sendable {
    /// Services any verified client may call, role or not.
    public var openServices: Set<String> = ["grpc.health.v1.Health"]
    /// Services every role may call.
    public var anyRoleServices: Set<String> = ["grpc.reflection.v1.ServerReflection",
                                               "grpc.reflection.v1alpha.ServerReflection"]
    /// Full method paths a viewer may call.
    public var viewerMethods: Set<String>

    public init() {
        let reads: [(String, [String])] = [
            ("joblet.JobService", ["GetJobStatus", "ListJobs", "GetJobLogs", "GetWorkflowStatus", "ListWorkflows",
                                   "GetWorkflowJobs", "ListJobsPage"]),
            ("joblet.NetworkService", ["ListNetworks"]),
            ("joblet.VolumeService", ["ListVolumes"]),
            ("joblet.MonitoringService", ["GetSystemStatus", "StreamSystemMetrics", "GetJobMetrics", "StreamJobMetrics"]),
            ("joblet.RuntimeService", ["ListRuntimes", "GetRuntimeInfo", "ValidateRuntimeSpec"]),
            ("joblet.JobletService", ["GetJobStatus", "ListJobs", "GetJobLogs"]),
            // training (issue 19): reads; PauseJob and ResumeJob are admin's.
            ("joblet.JobService", ["GetTrainingMetrics", "ListArtifacts", "DownloadArtifact", "WatchJobs"]),
        ]
        viewerMethods = Set(reads.flatMap { service, methods in methods.map { "/\(service)/\($0)" } })
    }

    /// Decides a call to `path` ("/package.Service/Method") by a client whose certificate has
    /// `organizationalUnits`.
    public func authorize(path: String, organizationalUnits: [String]) -> AuthorizationDecision {
        let (service, method) = Self.split(path)
        if openServices.contains(service) { return .allowed }
        // Only a refusal names the operation: not worked out on every allowed call.
        var operation: String { Self.operationName(method) }
        guard let role = Role(organizationalUnits: organizationalUnits) else {
            let units = organizationalUnits.isEmpty ? "none" : organizationalUnits.joined(separator: ", ")
            return .denied("client certificate has no role (OU \(units)); operation \(operation) needs OU=admin or OU=viewer")
        }
        switch role {
        case .admin:
            return .allowed
        case .viewer:
            if anyRoleServices.contains(service) || viewerMethods.contains(path) { return .allowed }
            return .denied("role viewer is not allowed to perform operation \(operation)")
        }
    }

    /// "RunJob" → "run_job", "InstallRuntimeFromGithub" → "install_runtime_from_github".
    public static func operationName(_ method: String) -> String {
        var result = ""
        var previousWasLower = false
        for character in method {
            if character.isUppercase {
                if previousWasLower { result.append("_") }
                result.append(contentsOf: character.lowercased())
                previousWasLower = false
            } else {
                result.append(character)
                previousWasLower = character.isLowercase || character.isNumber
            }
        }
        return result.isEmpty ? "unknown" : result
    }

    private static func split(_ path: String) -> (service: String, method: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return ("", path) }
        return (String(parts[0]), String(parts[1]))
    }
}
