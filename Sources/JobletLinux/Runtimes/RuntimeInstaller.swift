import Foundation
import Glibc
import JobletCore

/// One file of a runtime's source (upstream's `RuntimeFile`): `setup.sh`, `runtime.yml`, …
public struct RuntimeSourceFile: Sendable {
    public var path: String
    public var content: [UInt8]
    public var executable: Bool
    public init(path: String, content: [UInt8], executable: Bool) {
        self.path = path
        self.content = content
        self.executable = executable
    }
}

/// What an install reports while it runs.
public enum RuntimeInstallEvent: Sendable {
    /// Step `step` of `RuntimeInstaller.totalSteps` (fetch, build, validate, install).
    case progress(step: Int, message: String)
    /// Output of setup.sh as it is written.
    case log([UInt8])
}

public struct RuntimeInstallOutcome: Sendable {
    public var buildID: String
    public var runtime: InstalledRuntime
    public var sizeBytes: Int64
}

/// Installs a runtime from its source files: with a `setup.sh`, that script builds the runtime
/// in the builder sandbox (`RuntimeBuilder`) into a staging directory; without one, the files
/// are the runtime itself. The result is validated (runtime.yml parses, every mount source exists
/// inside it) and moved into place in one rename; whatever fails leaves nothing behind.
public final class RuntimeInstaller: Sendable {
    public let library: RuntimeLibrary
    let runner: LocalJobRunner
    let timeout: Duration
    let maxMemoryMB: Int
    /// The CPU limit of the builder (percent of one core; 0: none), as a job's default.
    let maxCPUPercent: Int
    /// jobletd's own paths (data, certificates, configuration), hidden from setup.sh.
    let hidden: [String]

    public static let totalSteps = 4
    static let maxFiles = 10_000

    public init(library: RuntimeLibrary, runner: LocalJobRunner, timeout: Duration = .seconds(1800), maxMemoryMB: Int = 4096,
                maxCPUPercent: Int = 0, hidden: [String] = []) {
        self.maxCPUPercent = maxCPUPercent
        self.hidden = hidden.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.library = library
        self.runner = runner
        self.timeout = timeout
        self.maxMemoryMB = maxMemoryMB
    }

    /// Builds and installs. Throws `JobletError` (bad input, a failed build, a name taken without
    /// `force`) or `RuntimeInstallBusy`.
    /// `usersOf`: the jobs not yet final that use a runtime (by normalized name); a reinstall
    /// while one does is refused, as the old tree goes away under them.
    public func install(spec: String, files: [RuntimeSourceFile], force: Bool, fetched: String,
                        usersOf: @escaping @Sendable (String) throws -> [String] = { _ in [] },
                        events: @escaping @Sendable (RuntimeInstallEvent) async -> Void) async throws -> RuntimeInstallOutcome {
        let name = try RuntimeName(spec)
        if files.isEmpty { throw JobletError.invalidArgument("no files given: send at least setup.sh or runtime.yml") }
        if files.count > Self.maxFiles { throw JobletError.invalidArgument("\(files.count) files; a runtime source may have at most \(Self.maxFiles)") }
        let paths = files.map { $0.path.split(separator: "/").filter { $0 != "." }.joined(separator: "/") }
        let hasSetup = paths.contains("setup.sh")
        guard hasSetup || paths.contains(RuntimeManifest.fileName) else {
            throw JobletError.invalidArgument("runtime '\(name)': the files have neither setup.sh nor runtime.yml at their top level")
        }
        if !force, library.runtime(named: name) != nil {
            throw JobletError.alreadyExists("runtime '\(name)' is already installed; pass force_reinstall (rnx runtime install --force) to replace it")
        }
        for p in paths {
            do { _ = try WorkspaceWriter.components(of: p) } catch { throw JobletError.invalidArgument("runtime '\(name)': \(error)") }
        }
        let uploads = files.map { f in WorkspaceUpload.file(f.path, f.content, mode: f.executable ? 0o755 : 0o644) }
        try library.beginInstall(name)
        defer { library.endInstall(name) }
        if force, library.runtime(named: name) != nil { try Self.checkUnused(name, usersOf: usersOf) }
        let buildID = UUID().uuidString.lowercased()
        let staging = library.stagingRoot + "/" + buildID
        do {
            try FileIO.makeDirectories(staging + "/runtime", mode: 0o755)
            await events(.progress(step: 1, message: fetched))
            let built = staging + "/runtime"
            if hasSetup {
                await events(.progress(step: 2, message: "running setup.sh in the builder sandbox"))
                let outcome = try await RuntimeBuilder(runner: runner, timeout: timeout, maxMemoryMB: maxMemoryMB, maxCPUPercent: maxCPUPercent,
                                                  hidden: hidden + [library.root])
                    .build(name: name, spec: spec, buildID: buildID, files: uploads, staging: staging,
                           onLog: { await events(.log($0)) })
                if outcome.timedOut {
                    throw JobletError.failedPrecondition("setup.sh of runtime '\(name)' ran past its time limit (\(timeout)); it was stopped and nothing was installed")
                }
                if outcome.exitCode != 0 {
                    throw JobletError.failedPrecondition("setup.sh of runtime '\(name)' failed (exit \(outcome.exitCode)\(outcome.reason.isEmpty ? "" : ": \(outcome.reason)")); nothing was installed. Its output: \(Self.tail(of: staging + "/build.log"))")
                }
                // Upstream's scripts copy runtime.yml themselves; when one did not, the sent one is used.
                if !FileManager.default.fileExists(atPath: built + "/" + RuntimeManifest.fileName),
                   let yml = files.first(where: { $0.path == RuntimeManifest.fileName }) {
                    try WorkspaceWriter(workspace: built, owner: JobUser(uid: 0, gid: 0))
                        .write([.file(RuntimeManifest.fileName, yml.content)])
                }
            } else {
                await events(.progress(step: 2, message: "no setup.sh: the files are the runtime"))
                try WorkspaceWriter(workspace: built, owner: JobUser(uid: 0, gid: 0)).write(uploads)
            }
            await events(.progress(step: 3, message: "validating runtime.yml and its mounts"))
            let candidate = InstalledRuntime.load(name: name.normalized, directory: built)
            if let problem = candidate.problem {
                throw JobletError.invalidArgument("runtime '\(name)' was built but is not usable: \(problem)")
            }
            await events(.progress(step: 4, message: "installing into \(library.root)/\(name.normalized)"))
            let placed = try library.place(built, as: name, replacing: force) {
                try Self.checkUnused(name, usersOf: usersOf)
            }
            try? RuntimeLibrary.removeTree(buildID, in: library.stagingRoot)
            return RuntimeInstallOutcome(buildID: buildID, runtime: placed, sizeBytes: library.sizeBytes(of: placed))
        } catch {
            try? RuntimeLibrary.removeTree(buildID, in: library.stagingRoot)
            if let e = error as? LocalJobError { throw JobletError.failedPrecondition("runtime '\(name)': the builder sandbox could not run: \(e)") }
            throw error
        }
    }

    static func checkUnused(_ name: RuntimeName, usersOf: (String) throws -> [String]) throws {
        let users = try usersOf(name.normalized)
        if !users.isEmpty {
            throw JobletError.failedPrecondition("runtime '\(name)' is in use by \(users.count) job(s) that have not ended (\(users.prefix(5).joined(separator: ", "))); a reinstall would replace it under them: stop them or wait, then reinstall")
        }
    }

    /// Stops a builder that a killed jobletd left running in `staging` (for `RuntimeLibrary`'s sweep at start).
    public static func sweep(staging: String, runner: LocalJobRunner) {
        RuntimeBuilder.sweep(staging: staging, runner: runner)
    }

    /// The last 2 KiB of the build's output, for an error message.
    static func tail(of path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "(none)" }
        let text = String(decoding: data.suffix(2048), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(none)" : text
    }
}
