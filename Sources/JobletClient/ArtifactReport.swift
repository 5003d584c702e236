import JobletAPI

/// `rnx artifacts ID`: one line per artifact (name, size, state, SHA-256), or why there are none.
public enum ArtifactReport {
    public static func list(_ r: Joblet_ListArtifactsRes) -> String {
        guard !r.artifacts.isEmpty else { return "No artifacts for job \(r.uuid)" + (r.note.isEmpty ? "" : ": \(r.note)") + "\n" }
        let width = r.artifacts.map(\.name.count).max() ?? 0
        var out = "Artifacts of job \(r.uuid):\n"
        for a in r.artifacts {
            out += "  " + a.name.padding(toLength: max(width, 4), withPad: " ", startingAt: 0)
            out += "  " + MonitorReport.bytes(a.size).padding(toLength: 10, withPad: " ", startingAt: 0)
            out += "  " + a.state.padding(toLength: 7, withPad: " ", startingAt: 0) + "  sha256:" + (a.sha256.isEmpty ? "(being computed)" : a.sha256) + "\n"
        }
        return out
    }
}
