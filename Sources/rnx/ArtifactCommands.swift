import ArgumentParser
import Foundation
import JobletClient

/// `rnx artifacts ID` (training, issue 19).
struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "List a job's artifacts with size and SHA-256.",
        discussion: """
        A job names its artifacts with `rnx run --artifact PATH` (globs allowed); they are kept
        when it ends.

        Examples:
          rnx artifacts f47ac10b
          rnx artifacts --verify f47ac10b     # re-hash every byte on the server
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Have the server re-hash each artifact (reads every byte).") var verify = false
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.listArtifacts(id: id, verify: verify) }
            Output.print(ArtifactReport.list(r))
            return r.artifacts.contains { $0.state == "corrupt" || $0.state == "missing" } ? 1 : 0
        }
    }
}

/// `rnx download ID NAME [-o PATH] [--resume]`.
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a job's artifact and check its SHA-256.",
        discussion: """
        Examples:
          rnx download f47ac10b out/adapter_model.safetensors
          rnx download f47ac10b out/adapter_model.safetensors -o adapter.safetensors
          rnx download --resume f47ac10b out/adapter_model.safetensors -o adapter.safetensors
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write it (default: its file name, here).", valueName: "path"))
    var output: String?
    @Flag(help: "Continue a partial download: ask only for the bytes after the file's current size.") var resume = false
    @Argument(help: ArgumentHelp("Job id, or any unique prefix of one.", valueName: "id")) var id: String
    @Argument(help: ArgumentHelp("The artifact's name, as `rnx artifacts` lists it.", valueName: "name")) var name: String

    func run() async throws {
        try await reportingFailures {
            let path = output ?? String(name.split(separator: "/").last ?? Substring(name))
            let result = try await connection.withClient { client in
                try await ArtifactDownload(client: client).run(id: id, name: name, to: path, resume: resume)
            }
            let resumed = result.resumedFrom > 0 ? " (resumed at byte \(result.resumedFrom))" : ""
            Output.print("Downloaded \(name) to \(result.path): \(result.size) bytes\(resumed)\nSHA-256 \(result.sha256) verified\n")
            return 0
        }
    }
}
