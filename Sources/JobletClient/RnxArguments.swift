/// Rewrites rnx's argv before swift-argument-parser sees it, so that rnx takes what Joblet's
/// rnx takes: global flags before the command (`rnx --server h:p list` → `rnx list --server h:p`)
/// and `log --follow=false` (argument-parser flags take no `=value`).
public enum RnxArguments {
    /// Global flags; each takes a value, as `--flag value` or `--flag=value`.
    public static let globalFlags: Set<String> = ["--server", "--cert", "--key", "--ca", "--node", "--config", "--timeout"]

    public static func normalize(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            let flag = String(word.split(separator: "=", maxSplits: 1).first ?? "")
            guard globalFlags.contains(flag) else { break }
            if word.contains("=") {
                moved.append(word)
                i += 1
            } else {
                moved.append(contentsOf: arguments[i..<min(i + 2, arguments.count)])
                i += 2
            }
        }
        guard i < arguments.count else { return arguments }
        var command = [arguments[i]]
        var rest = Array(arguments[(i + 1)...])
        // `rnx --server h:p job list` → `rnx job list --server h:p`: the flags go to the leaf command.
        if commandGroups.contains(arguments[i]), let sub = rest.first, !sub.hasPrefix("-") {
            command.append(sub)
            rest.removeFirst()
        }
        if command.last == "log" {
            rest = rest.map { word in
                switch word {
                case "--follow=false", "-f=false": "--no-follow"
                case "--follow=true", "-f=true": "--follow"
                default: word
                }
            }
        }
        return command + moved + rest
    }

    /// Commands whose first argument is a subcommand (`rnx monitor status`, `rnx job metrics`,
    /// `rnx workflow status ID`): the flags go after the subcommand.
    public static let commandGroups: Set<String> = ["monitor", "job", "workflow", "network", "volume", "runtime"]
}
