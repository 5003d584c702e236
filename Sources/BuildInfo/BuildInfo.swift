/// What a binary says about itself (`jobletd --version`, `rnx version`, the server's reported
/// version): the release version here, the git commit and build date filled in at build time
/// by Plugins/BuildInfoPlugin (scripts/buildinfo.sh), in debug and release builds alike.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// The wire contract this build speaks.
    public static let protocolVersion = "joblet-proto v1.0.6"

    /// `0.1.0 (commit 1a2b3c4d5e6f, built 2026-01-02T03:04:05Z, joblet-proto v1.0.6)`.
    public static var description: String {
        "\(version) (commit \(gitCommit), built \(buildDate), \(protocolVersion))"
    }
}
