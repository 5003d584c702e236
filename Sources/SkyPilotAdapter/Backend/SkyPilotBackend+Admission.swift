import JobletCore

/// RunJob's check of the SkyPilot API server (training, issue 19): one `GET /api/health`, no
/// retries, so that a server that is down or too old is named in RunJob's error instead of
/// failing the job after the retry window. A healthy answer is trusted for `admissionTTL`.
extension SkyPilotBackend {
    /// SkyPilot's own compatibility floor (MIN_COMPATIBLE_API_VERSION, SkyPilot 0.11).
    public static let minimumAPIVersion = 24
    static let admissionTTL: Duration = .seconds(10)

    public func admit(_ request: JobRequest) async throws {
        if let last = lastHealthy.withLock({ $0 }), ContinuousClock.now - last < Self.admissionTTL { return }
        let endpoint = configuration.endpoint.absoluteString
        let health: SkyPilotHealth
        do {
            health = try await client.health(retrying: false)
        } catch let error as SkyPilotError {
            throw error.jobletError
        }
        guard health.isHealthy else {
            throw JobletError.unavailable("SkyPilot API server \(endpoint) reports status '\(health.status)', not healthy; check it with 'sky api status'")
        }
        if let text = health.apiVersion, let version = Int(text), version < Self.minimumAPIVersion {
            throw JobletError.failedPrecondition(
                "SkyPilot API server \(endpoint) speaks API version \(version) (SkyPilot \(health.version ?? "?")), older than the oldest this jobletd supports (\(Self.minimumAPIVersion), SkyPilot 0.11); upgrade it: pip install -U \"skypilot==\(configuration.clientVersion)\"")
        }
        lastHealthy.withLock { $0 = ContinuousClock.now }
    }
}
