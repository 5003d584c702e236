import Foundation

/// Where a job with `infra` runs (training, issue 19: "any job anywhere"). Any infra but
/// `local` goes to SkyPilot, GPUs or not; the training orchestrator's provider names (seed 003:
/// runpod, lambda, vastai, local) map onto SkyPilot's infra names.
public enum InfraRoute: Equatable, Sendable {
    /// This host (no infra, or `local`).
    case local
    /// SkyPilot's `infra` string: "aws", "gcp/us-central1", "k8s", "runpod", "vast", ….
    case skyPilot(String)

    /// Provider names that differ from SkyPilot's cloud names.
    public static let providerAliases = ["vastai": "vast", "lambdalabs": "lambda", "lambda-labs": "lambda",
                                         "kubernetes": "k8s"]

    public init(infra: String) {
        let text = infra.trimmingCharacters(in: .whitespaces).lowercased()
        if text.isEmpty || text == "local" { self = .local; return }
        var parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        parts[0] = Self.providerAliases[parts[0]] ?? parts[0]
        self = .skyPilot(parts.joined(separator: "/"))
    }

    /// The provider part ("runpod" of "runpod/US"), "local" for this host.
    public var provider: String {
        switch self {
        case .local: return "local"
        case .skyPilot(let infra): return String(infra.split(separator: "/", maxSplits: 1).first ?? "")
        }
    }
}

/// The provider a job's artifacts and listings name.
public enum ProviderName {
    public static func provider(of job: Job) -> String {
        if job.backend == "local" { return "local" }
        let route = InfraRoute(infra: job.infra)
        return route == .local ? job.backend : route.provider
    }
}
