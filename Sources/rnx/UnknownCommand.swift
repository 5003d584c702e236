import ArgumentParser
import NameSuggestion

/// "unknown command 'lst'; did you mean 'list'?" before argument-parser's generic "unexpected
/// arguments" — for the top level and for the `job` group.
enum UnknownCommand {
    static func names(of command: ParsableCommand.Type) -> [String] {
        command.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    /// The one-line error for `arguments` (already normalized), or nil when the command is known.
    static func message(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let top = names(of: Rnx.self)
        guard top.contains(first) else { return text(first, among: top, prefix: "rnx") }
        if first == JobCommand.configuration.commandName, arguments.count > 1, !arguments[1].hasPrefix("-") {
            let inGroup = names(of: JobCommand.self)
            if !inGroup.contains(arguments[1]) { return text(arguments[1], among: inGroup, prefix: "rnx job") }
        }
        return nil
    }

    private static func text(_ typed: String, among names: [String], prefix: String) -> String {
        var line = "rnx: unknown command '\(typed)'"
        if let near = NearestName.find(typed, among: names.filter { $0 != "help" }) { line += "; did you mean '\(prefix) \(near)'?" }
        return line + " (see '\(prefix) --help')"
    }
}
