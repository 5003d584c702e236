import JobletCore

/// A SkyPilot task built from a job request: the YAML sent to `/jobs/launch`, and what must never
/// be shown of it.
public struct SkyPilotTask: Sendable, Hashable {
    /// The SkyPilot job (and task) name: the jobletd job's uuid.
    public var name: String
    public var yaml: String
    /// e.g. `H100:1`.
    public var accelerators: String
    /// Secret values, for masking anything that is logged.
    public var secretValues: [String]

    /// The YAML with every secret value replaced by `***`, for debug output.
    public var maskedYAML: String {
        SecretMasker(secretValues: secretValues).mask(yaml)
    }
}
