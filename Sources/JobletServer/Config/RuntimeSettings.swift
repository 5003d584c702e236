import Foundation

/// The `runtimes:` section of jobletd's configuration.
public struct RuntimeSettings: Sendable, Equatable {
    /// nil: `<data directory>/runtimes`.
    public var path: String?
    /// Where InstallRuntimeFromGithub downloads `<owner>/<name>/tar.gz/refs/heads/<branch>` from.
    public var githubBaseURL = "https://codeload.github.com"
    public var githubTimeoutSeconds = 120.0
    public var githubMaxBytes = 256 << 20
    /// A setup.sh running longer is stopped and its install fails.
    public var buildTimeoutSeconds = 1800.0
    public var buildMaxMemoryMB = 4096

    public init() {}

    public func directory(dataDirectory: String) -> String {
        path ?? (dataDirectory as NSString).appendingPathComponent("runtimes")
    }

    struct File: Decodable {
        var path: String?
        var githubBaseURL: String?
        var githubTimeoutSeconds: Double?
        var githubMaxBytes: Int?
        var buildTimeoutSeconds: Double?
        var buildMaxMemoryMB: Int?
    }

    mutating func apply(_ f: File, path file: String) throws {
        if let v = f.path {
            guard !v.isEmpty else { throw ConfigurationError("config \(file): runtimes.path must not be empty (omit it for <data>/runtimes)") }
            path = v
        }
        if let v = f.githubBaseURL {
            guard let u = URL(string: v), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                throw ConfigurationError("config \(file): runtimes.githubBaseURL must be an http(s) URL, got '\(v)'")
            }
            githubBaseURL = v
        }
        if let v = f.githubTimeoutSeconds {
            guard v > 0 else { throw ConfigurationError("config \(file): runtimes.githubTimeoutSeconds must be > 0, got \(v)") }
            githubTimeoutSeconds = v
        }
        if let v = f.githubMaxBytes {
            guard v > 0 else { throw ConfigurationError("config \(file): runtimes.githubMaxBytes must be > 0, got \(v)") }
            githubMaxBytes = v
        }
        if let v = f.buildTimeoutSeconds {
            guard v > 0 else { throw ConfigurationError("config \(file): runtimes.buildTimeoutSeconds must be > 0, got \(v)") }
            buildTimeoutSeconds = v
        }
        if let v = f.buildMaxMemoryMB {
            guard v >= 0 else { throw ConfigurationError("config \(file): runtimes.buildMaxMemoryMB must be >= 0 (0: no limit), got \(v)") }
            buildMaxMemoryMB = v
        }
    }
}
