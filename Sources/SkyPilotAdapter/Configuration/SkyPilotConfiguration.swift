import Foundation

/// Where SkyPilot's API server is and how to talk to it. A plain value; the daemon fills it from
/// its config file, flags or environment and hands it to `SkyPilotBackend(configuration:)`.
public struct SkyPilotConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// How requests are authenticated. A loopback server without auth needs `.none`.
    public enum Authentication: Sendable, Hashable {
        case none
        /// A service-account token (`sky_…`), sent as `Authorization: Bearer`.
        case bearer(token: String)
        case basic(user: String, password: String)
    }

    /// The API server, e.g. `http://127.0.0.1:46580`.
    public var endpoint: URL
    public var authentication: Authentication

    /// Status polling starts at `pollIntervalMin` after each change and backs off to `pollIntervalMax`.
    public var pollIntervalMin: Duration
    public var pollIntervalMax: Duration
    /// The limit for each ordinary call (health, launch, status, queue, cancel).
    public var requestTimeout: Duration
    /// The limit for one `/api/get` long-poll, which blocks until the request is done.
    public var resultTimeout: Duration
    /// How long one API request (launch, queue, cancel) may take before it is given up.
    public var requestDeadline: Duration
    /// A log stream with no byte for this long (heartbeats count) is closed and reopened.
    public var logIdleTimeout: Duration
    /// The longest a single log stream may stay open.
    public var logStreamMaxDuration: Duration
    /// How long one call keeps retrying network errors and 503s before it reports the server unreachable.
    public var retryWindow: Duration
    /// First and longest back-off between retries; each wait gets random jitter.
    public var retryBackoffMin: Duration
    public var retryBackoffMax: Duration

    /// The accelerator for a GPU job that names no memory, e.g. `H100`.
    public var defaultAccelerator: String
    /// GPUs known to the task builder, smallest first, for `gpu_memory_mb` requests.
    public var gpuCatalog: [GPUModel]

    /// Where a job's uploads are written to become its SkyPilot `workdir` (read by the API
    /// server, so this works when the server runs on this host).
    public var uploadStagingDirectory: URL

    /// Who submits: sent as `env_vars.SKYPILOT_USER` and `SKYPILOT_USER_ID` (8 hex digits).
    public var submitterName: String
    public var submitterUserID: String

    /// Declared to the server in `X-SkyPilot-API-Version` and `X-SkyPilot-Version`.
    public var clientAPIVersion: Int
    public var clientVersion: String

    /// For an https endpoint: the CA certificates (PEM) that sign the server's certificate;
    /// nil trusts the system's CA store.
    public var caFile: String?
    /// Training (issue 19): the bucket URL tasks mount at `ArtifactStoreURL.mountPoint` for their
    /// artifacts (`<store>/<job id>`); nil: none.
    public var artifactStore: String?

    public init(endpoint: URL, authentication: Authentication = .none,
                pollIntervalMin: Duration = .seconds(2), pollIntervalMax: Duration = .seconds(30),
                requestTimeout: Duration = .seconds(30), resultTimeout: Duration = .seconds(60),
                requestDeadline: Duration = .seconds(1800), logIdleTimeout: Duration = .seconds(120),
                logStreamMaxDuration: Duration = .seconds(6 * 3600), retryWindow: Duration = .seconds(120),
                retryBackoffMin: Duration = .milliseconds(250), retryBackoffMax: Duration = .seconds(15),
                defaultAccelerator: String = "H100", gpuCatalog: [GPUModel] = GPUModel.builtInCatalog,
                uploadStagingDirectory: URL? = nil, submitterName: String = "jobletd", submitterUserID: String? = nil,
                clientAPIVersion: Int = 62, clientVersion: String = "0.14.1") {
        self.endpoint = endpoint
        self.authentication = authentication
        self.pollIntervalMin = pollIntervalMin
        self.pollIntervalMax = pollIntervalMax
        self.requestTimeout = requestTimeout
        self.resultTimeout = resultTimeout
        self.requestDeadline = requestDeadline
        self.logIdleTimeout = logIdleTimeout
        self.logStreamMaxDuration = logStreamMaxDuration
        self.retryWindow = retryWindow
        self.retryBackoffMin = retryBackoffMin
        self.retryBackoffMax = retryBackoffMax
        self.defaultAccelerator = defaultAccelerator
        self.gpuCatalog = gpuCatalog
        self.uploadStagingDirectory = uploadStagingDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("jobletd-skypilot-workdirs")
        self.submitterName = submitterName
        self.submitterUserID = submitterUserID ?? Self.userHash(of: submitterName)
        self.clientAPIVersion = clientAPIVersion
        self.clientVersion = clientVersion
    }

    /// From `JOBLET_SKYPILOT_ENDPOINT`, `JOBLET_SKYPILOT_TOKEN` or `JOBLET_SKYPILOT_USER` +
    /// `JOBLET_SKYPILOT_PASSWORD`; nil when no endpoint is set.
    public init?(environment: [String: String]) {
        guard let raw = environment["JOBLET_SKYPILOT_ENDPOINT"], !raw.isEmpty, let url = URL(string: raw) else {
            return nil
        }
        var auth = Authentication.none
        if let token = environment["JOBLET_SKYPILOT_TOKEN"], !token.isEmpty {
            auth = .bearer(token: token)
        } else if let user = environment["JOBLET_SKYPILOT_USER"], !user.isEmpty {
            auth = .basic(user: user, password: environment["JOBLET_SKYPILOT_PASSWORD"] ?? "")
        }
        self.init(endpoint: url, authentication: auth)
    }

    /// Credentials never appear here.
    public var description: String {
        let auth: String
        switch authentication {
        case .none: auth = "none"
        case .bearer: auth = "bearer ***"
        case .basic(let user, _): auth = "basic \(user):***"
        }
        return "SkyPilot API server \(endpoint.absoluteString) (auth: \(auth), submitter: \(submitterName)/\(submitterUserID))"
    }

    /// SkyPilot identifies users by 8 hex digits; derive a stable one from a name (FNV-1a).
    static func userHash(of name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
