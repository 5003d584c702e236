import Foundation

/// Artifacts (issue 19): a backend whose job has ended hands over its workspace before it
/// reports the final status, so the artifacts are listed by the time a client sees the end.
extension JobEventSink {
    public func keepArtifacts(workspace: URL) {
        guard let keeper = engine.artifacts,
              let patterns = try? engine.store.artifactPatterns(id: jobID), !patterns.isEmpty else { return }
        for problem in keeper.keep(jobID: jobID, patterns: patterns, workspace: workspace) {
            try? engine.logs.appendServerNote(jobID, problem)
        }
    }
}
