/// `GET /api/health`.
public struct SkyPilotHealth: Sendable, Hashable, Decodable {
    public var status: String
    /// A string on the wire ("62").
    public var apiVersion: String?
    public var version: String?
    public var commit: String?
    public var basicAuthEnabled: Bool?
    public var serviceAccountTokenEnabled: Bool?

    enum CodingKeys: String, CodingKey {
        case status, apiVersion = "api_version", version, commit, basicAuthEnabled = "basic_auth_enabled"
        case serviceAccountTokenEnabled = "service_account_token_enabled"
    }

    public var isHealthy: Bool { status == "healthy" }
}
