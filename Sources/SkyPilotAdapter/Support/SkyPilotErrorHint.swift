/// What to do about a failed SkyPilot launch, in one line, from SkyPilot's own error text (the
/// provisioning errors of seed 001's notes). Matched case-insensitively, most specific first;
/// nil when the text is none of them.
public enum SkyPilotErrorHint {
    struct Rule {
        let needles: [String]
        let hint: String
    }

    static let rules: [Rule] = [
        Rule(needles: ["quota"],
             hint: "the cloud account's quota is too low for this request: ask the provider to raise it, or pick another region or instance type"),
        Rule(needles: ["credentials not found", "could not find credentials", "no credentials", "credentials are not set"],
             hint: "the cloud's credentials are not configured where the SkyPilot API server runs: set them up there (e.g. 'aws configure', 'gcloud auth application-default login'), then run 'sky check'"),
        Rule(needles: ["nocloudaccesserror", "no cloud access", "cloud access is not set up"],
             hint: "no cloud is enabled for SkyPilot: run 'sky check' on the API server's host and set up credentials for at least one cloud or Kubernetes"),
        Rule(needles: ["catalog does not contain", "not in the catalog", "invalid instance type", "not supported in the catalog"],
             hint: "nothing in SkyPilot's catalog matches the request: check the GPU name and count ('sky show-gpus') and the infra"),
        Rule(needles: ["resourcesunavailableerror", "failed to provision", "failed_no_resource", "insufficient capacity"],
             hint: "the cloud could not allocate the requested resources now: try another region or infra, other or fewer GPUs, or retry later"),
    ]

    public static func hint(for text: String) -> String? {
        let lower = text.lowercased()
        return rules.first { rule in rule.needles.contains { lower.contains($0) } }?.hint
    }

    /// `text` with its hint after it: "… (hint: …)", or `text` unchanged.
    public static func annotate(_ text: String) -> String {
        hint(for: text).map { "\(text) (hint: \($0))" } ?? text
    }
}
