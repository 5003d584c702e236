import Foundation

import JobletCore

/// `skypilot.artifactStore` (training, issue 19): a bucket SkyPilot can mount. Each job's task
/// mounts `<store>/<job id>` at `mountPoint` and finds the path in `$JOBLET_ARTIFACT_DIR`.
public enum ArtifactStoreURL {
    public static let schemes = ["s3", "gs", "r2", "cos", "oci", "https"]
    public static let mountPoint = "/joblet-artifacts"
    public static let environmentName = "JOBLET_ARTIFACT_DIR"

    /// The URL without a trailing '/', or an error naming the forms SkyPilot mounts.
    public static func check(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, schemes.contains(parts[0].lowercased()), !parts[1].isEmpty, !parts[1].hasPrefix("/"),
              !trimmed.contains(" ") else {
            throw JobletError.invalidArgument("skypilot.artifactStore '\(text)' is not a bucket URL SkyPilot can mount: use s3://BUCKET[/PREFIX], gs://…, r2://…, cos://…, oci://… or an Azure https://ACCOUNT.blob.core.windows.net/CONTAINER URL")
        }
        var url = trimmed
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Where one job's artifacts go.
    public static func folder(_ store: String, jobID: String) -> String { "\(store)/\(jobID)" }
}
