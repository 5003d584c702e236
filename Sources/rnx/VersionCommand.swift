import ArgumentParser
import BuildInfo

/// `rnx version` (and `rnx --version`): this rnx's version, git commit and build date.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print rnx's version.")

    static var text: String { "rnx \(BuildInfo.description)" }

    func run() throws {
        Output.print(Self.text + "\n")
    }
}
