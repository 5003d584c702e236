import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JobletAPI
import JobletClient

/// `rnx runtime list|info|install|test|validate|remove`.
struct RuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Install and manage runtimes (language environments jobs run inside).",
        discussion: """
        Examples:
          rnx runtime install ./python-3.11-ml            # runs its setup.sh in the server's builder sandbox
          rnx runtime install python-3.11-ml --github-repo acme/runtimes --branch main --path python-3.11-ml
          rnx runtime list
          rnx runtime test python:3.11-ml
          rnx run --runtime=python-3.11-ml python3 -c 'import numpy'
          rnx runtime remove python-3.11-ml
        """,
        subcommands: [RuntimeListCommand.self, RuntimeInfoCommand.self, RuntimeInstallCommand.self,
                      RuntimeTestCommand.self, RuntimeValidateCommand.self, RuntimeRemoveCommand.self])
}

struct RuntimeListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List installed runtimes.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    func run() async throws {
        try await reportingFailures {
            let runtimes = try await connection.withClient { try await $0.listRuntimes() }
            if runtimes.isEmpty { Output.print("No runtimes installed (rnx runtime install ./dir)\n"); return 0 }
            var text = "NAME                          LANGUAGE    VERSION   SIZE        AVAILABLE  DESCRIPTION\n"
            for r in runtimes {
                text += r.name.padding(toLength: max(30, r.name.count + 1), withPad: " ", startingAt: 0)
                    + r.language.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + r.version.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + RuntimeText.size(r.sizeBytes).padding(toLength: 12, withPad: " ", startingAt: 0)
                    + (r.available ? "yes" : "no").padding(toLength: 11, withPad: " ", startingAt: 0)
                    + r.description + "\n"
            }
            Output.print(text)
            return 0
        }
    }
}

struct RuntimeInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show one runtime.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Runtime name (python-3.11-ml or python:3.11-ml).", valueName: "name")) var name: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.runtimeInfo(name) }
            guard r.found, let rt = r.runtime else {
                Output.print("runtime \(name) is not installed\n")
                return 1
            }
            Output.print("""
                Name:         \(rt.name)
                Language:     \(rt.language)
                Version:      \(rt.version)
                Description:  \(rt.description)
                Size:         \(RuntimeText.size(rt.sizeBytes))
                Available:    \(rt.available ? "yes" : "no")
                Packages:     \(rt.packages.joined(separator: ", "))
                Architectures: \(rt.requirements?.architectures.joined(separator: ", ") ?? "")
                GPU:          \(rt.requirements?.gpu == true ? "required" : "no")

                """)
            return 0
        }
    }
}

struct RuntimeInstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install a runtime from a local folder (setup.sh, runtime.yml) or a GitHub repository.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Option(help: ArgumentHelp("Take the source from this GitHub repository (owner/name or URL).", valueName: "repo")) var githubRepo: String?
    @Option(help: ArgumentHelp("The repository's branch (default main).", valueName: "branch")) var branch: String?
    @Option(help: ArgumentHelp("The runtime's folder inside the repository.", valueName: "path")) var path: String?
    @Option(help: ArgumentHelp("The runtime's name when installing a folder (default: runtime.yml's name, else the folder's).", valueName: "name")) var name: String?
    @Flag(help: "Replace an installed runtime of the same name.") var force = false
    @Argument(help: ArgumentHelp("A local folder, or the runtime's name with --github-repo.", valueName: "dir|name")) var source: String

    func run() async throws {
        try await reportingFailures {
            try await connection.withClient { client in
                let chunks: AsyncThrowingStream<Joblet_RuntimeInstallationChunk, Error>
                if let githubRepo {
                    var r = Joblet_InstallRuntimeRequest()
                    r.runtimeSpec = source
                    r.repository = githubRepo
                    r.branch = branch ?? ""
                    r.path = path ?? ""
                    r.forceReinstall = force
                    chunks = try await client.installRuntime(r)
                } else {
                    var r = Joblet_InstallRuntimeFromLocalRequest()
                    r.files = try RuntimeSourceDirectory.files(in: source)
                    r.runtimeSpec = name ?? RuntimeText.name(in: r.files) ?? URL(fileURLWithPath: source).standardizedFileURL.lastPathComponent
                    r.forceReinstall = force
                    chunks = try await client.installRuntime(r)
                }
                return try await RuntimeText.follow(chunks)
            }
        }
    }
}

struct RuntimeTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Run a runtime's test command (runtime.yml's `test`) in a job.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Runtime name.", valueName: "name")) var name: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.testRuntime(name) }
            Output.print(r.output)
            if !r.error.isEmpty { FileHandle.standardError.write(Data("rnx: \(r.error)\n".utf8)) }
            Output.print(r.success ? "runtime \(name): test passed\n" : "runtime \(name): test FAILED (exit \(r.exitCode))\n")
            return r.success ? 0 : 1
        }
    }
}

struct RuntimeValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a runtime name and show its normalized form.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Runtime spec, e.g. python:3.11-ml@amd64.", valueName: "spec")) var spec: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.validateRuntimeSpec(spec) }
            guard r.valid else { Output.print("invalid: \(r.message)\n"); return 1 }
            let i = r.specInfo
            Output.print("""
                valid: \(r.normalizedSpec) (\(r.message))
                language \(i?.language ?? ""), version \(i?.version ?? ""), variants [\(i?.variants.joined(separator: ", ") ?? "")]\
                \(i?.architecture.isEmpty == false ? ", architecture \(i!.architecture)" : "")

                """)
            return 0
        }
    }
}

struct RuntimeRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a runtime no unfinished job uses.")
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Runtime name.", valueName: "name")) var name: String

    func run() async throws {
        try await reportingFailures {
            let r = try await connection.withClient { try await $0.removeRuntime(name) }
            Output.print("\(r.message)\n")
            return r.success ? 0 : 1
        }
    }
}

/// Text for the runtime commands.
enum RuntimeText {
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes), i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes) B" : String(format: "%.1f %@", v, units[i])
    }

    /// `name:` of the folder's runtime.yml, when it has one on a line of its own.
    static func name(in files: [Joblet_RuntimeFile]) -> String? {
        guard let yml = files.first(where: { $0.path == "runtime.yml" }) else { return nil }
        for line in String(decoding: yml.content, as: UTF8.self).split(separator: "\n") where line.hasPrefix("name:") {
            let v = line.dropFirst(5).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            return v.isEmpty ? nil : v
        }
        return nil
    }

    /// Prints the setup output as it comes and a progress bar line per step (stderr); exit 0 on success.
    static func follow(_ chunks: AsyncThrowingStream<Joblet_RuntimeInstallationChunk, Error>) async throws -> Int32 {
        for try await chunk in chunks {
            switch chunk.chunkType {
            case .progress(let p):
                let total = max(Int(p.totalSteps), 1), step = min(max(Int(p.step), 0), total)
                let width = 20, filled = width * step / total
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                FileHandle.standardError.write(Data("[\(bar)] \(step)/\(total) \(p.message)\n".utf8))
            case .log(let l):
                FileHandle.standardOutput.write(Data(l.data))
            case .result(let r):
                if r.success {
                    Output.print("\(r.message)\n")
                    return 0
                }
                FileHandle.standardError.write(Data("rnx: install failed: \(r.message)\n".utf8))
                return 1
            case nil:
                continue
            }
        }
        FileHandle.standardError.write(Data("rnx: the server ended the install without a result\n".utf8))
        return 1
    }
}
