import Foundation
import JobletAPI
import JobletCore
import JobletLinux
import RPC
import Synchronization

/// `joblet.RuntimeService`: thin translations onto `RuntimeLibrary` (list, info, remove),
/// `RuntimeInstaller` (the installs), `RuntimeSourceFetcher` (GitHub) and `JobEngine` (TestRuntime
/// runs the manifest's `test` command as a job inside the runtime).
public struct RuntimeService: Sendable {
    let installer: RuntimeInstaller
    let fetcher: RuntimeSourceFetcher
    let engine: JobEngine
    var library: RuntimeLibrary { installer.library }

    public init(installer: RuntimeInstaller, fetcher: RuntimeSourceFetcher, engine: JobEngine) {
        self.installer = installer
        self.fetcher = fetcher
        self.engine = engine
    }

    public func register(on router: RPCRouter) {
        let m = Joblet_RuntimeService.Method.self
        let service = self
        router.unary(m.listRuntimes, Joblet_EmptyRequest.self) { _, _ in
            var r = Joblet_RuntimesRes()
            r.runtimes = try await offPool { service.library.installed.map(service.info) }
            return r
        }
        router.unary(m.getRuntimeInfo, Joblet_RuntimeInfoReq.self) { req, _ in
            try await JobService.translating {
                var r = Joblet_RuntimeInfoRes()
                // Upstream answers found=false for a name it does not have, also a malformed one.
                guard let name = try? RuntimeName(req.runtime), let rt = service.library.runtime(named: name) else { return r }
                r.found = true
                r.runtime = try await offPool { service.info(rt) }
                return r
            }
        }
        router.unary(m.validateRuntimeSpec, Joblet_ValidateRuntimeSpecRequest.self) { req, _ in
            var r = Joblet_ValidateRuntimeSpecResponse()
            do {
                let name = try RuntimeName(req.runtimeSpec)
                let parts = name.parts
                r.valid = true
                r.normalizedSpec = name.normalized
                var info = Joblet_RuntimeSpecInfo()
                info.language = parts.language
                info.version = parts.version
                info.variants = parts.variants
                info.architecture = name.architecture ?? ""
                r.specInfo = info
                let installed = service.library.runtime(named: name) != nil
                r.message = installed ? "valid; runtime \(name) is installed" : "valid; runtime \(name) is not installed"
            } catch {
                r.valid = false
                r.message = (error as? JobletError)?.message ?? "\(error)"
            }
            return r
        }
        router.unary(m.removeRuntime, Joblet_RuntimeRemoveReq.self) { req, _ in
            try await JobService.translating {
                let freed = try await offPool { try service.library.remove(req.runtime, usersOf: service.usersOf) }
                var r = Joblet_RuntimeRemoveRes()
                r.success = true
                r.freedSpaceBytes = freed
                r.message = "runtime \(try RuntimeName(req.runtime)) removed (\(freed) bytes freed)"
                return r
            }
        }
        router.unary(m.testRuntime, Joblet_RuntimeTestReq.self) { req, _ in
            try await JobService.translating { try await service.test(req.runtime) }
        }
        router.unary(m.installRuntimeFromLocal, Joblet_InstallRuntimeFromLocalRequest.self) { req, _ in
            try await service.unaryInstall(spec: req.runtimeSpec, repository: "", force: req.forceReinstall) {
                (files: req.files.map { RuntimeSourceFile(path: $0.path, content: $0.content, executable: $0.executable) },
                 fetched: "received \(req.files.count) file(s)", path: "")
            }
        }
        router.serverStreaming(m.streamingInstallRuntimeFromLocal, Joblet_InstallRuntimeFromLocalRequest.self,
                               Joblet_RuntimeInstallationChunk.self) { req, stream, _ in
            try await service.streamingInstall(spec: req.runtimeSpec, force: req.forceReinstall, to: stream) {
                (files: req.files.map { RuntimeSourceFile(path: $0.path, content: $0.content, executable: $0.executable) },
                 fetched: "received \(req.files.count) file(s)", path: "")
            }
        }
        router.unary(m.installRuntimeFromGithub, Joblet_InstallRuntimeRequest.self) { req, _ in
            try await service.unaryInstall(spec: req.runtimeSpec, repository: req.repository, force: req.forceReinstall) {
                try await service.fetcher.fetch(repository: req.repository, branch: req.branch, path: req.path)
            }
        }
        router.serverStreaming(m.streamingInstallRuntimeFromGithub, Joblet_InstallRuntimeRequest.self,
                               Joblet_RuntimeInstallationChunk.self) { req, stream, _ in
            try await service.streamingInstall(spec: req.runtimeSpec, force: req.forceReinstall, to: stream) {
                try await service.fetcher.fetch(repository: req.repository, branch: req.branch, path: req.path)
            }
        }
    }

    /// The jobs not yet final whose runtime is `name` (normalized).
    @Sendable func usersOf(_ name: String) throws -> [String] {
        try engine.list().filter { j in
            !j.status.isFinal && !j.runtime.isEmpty && (try? RuntimeName(j.runtime))?.normalized == name
        }.map(\.id)
    }

    typealias Source = @Sendable () async throws -> (files: [RuntimeSourceFile], fetched: String, path: String)

    func info(_ rt: InstalledRuntime) -> Joblet_RuntimeInfo {
        var i = Joblet_RuntimeInfo()
        i.name = rt.name
        i.language = rt.manifest.language
        i.version = rt.manifest.version
        i.description = rt.problem.map { "unusable: \($0)" } ?? rt.manifest.description
        i.sizeBytes = library.sizeBytes(of: rt)
        i.packages = rt.manifest.packages
        i.available = rt.problem == nil
        var req = Joblet_RuntimeRequirements()
        req.architectures = rt.manifest.architectures
        req.gpu = rt.manifest.gpu
        i.requirements = req
        return i
    }

    static func rpcError(_ error: any Error) -> any Error {
        if let e = error as? JobletError { return JobMapping.rpcError(e) }
        if let busy = error as? RuntimeInstallBusy { return RPCError(.aborted, busy.description) }
        return error
    }

    func unaryInstall(spec: String, repository: String, force: Bool, _ source: Source) async throws -> Joblet_InstallRuntimeResponse {
        do {
            let s = try await source()
            let outcome = try await installer.install(spec: spec, files: s.files, force: force, fetched: s.fetched,
                                                      usersOf: usersOf) { _ in }
            var r = Joblet_InstallRuntimeResponse()
            r.buildJobUuid = outcome.buildID
            r.runtimeSpec = outcome.runtime.name
            r.status = "completed"
            r.message = "runtime \(outcome.runtime.name) installed in \(outcome.runtime.directory) (\(outcome.sizeBytes) bytes)"
            r.repository = repository
            r.resolvedPath = s.path
            return r
        } catch {
            throw Self.rpcError(error)
        }
    }

    /// Progress and setup output as they happen, then one result. A refusal before anything was
    /// sent (bad name, taken name, install under way) is the call's status instead.
    func streamingInstall(spec: String, force: Bool, to stream: ResponseStream<Joblet_RuntimeInstallationChunk>,
                          _ source: Source) async throws {
        let sent = InstallChunkCounter()
        let send: @Sendable (Joblet_RuntimeInstallationChunk.OneOf_ChunkType) async -> Void = { c in
            var chunk = Joblet_RuntimeInstallationChunk()
            chunk.chunkType = c
            sent.increment()
            try? await stream.send(chunk)
        }
        var result = Joblet_RuntimeInstallationResult()
        result.runtimeSpec = spec
        do {
            let s = try await source()
            let outcome = try await installer.install(spec: spec, files: s.files, force: force, fetched: s.fetched,
                                                      usersOf: usersOf) { event in
                switch event {
                case .progress(let step, let message):
                    var p = Joblet_RuntimeInstallationProgress()
                    p.step = Int32(step)
                    p.totalSteps = Int32(RuntimeInstaller.totalSteps)
                    p.message = message
                    await send(.progress(p))
                case .log(let bytes):
                    var l = Joblet_RuntimeInstallationLog()
                    l.data = bytes
                    await send(.log(l))
                }
            }
            result.success = true
            result.runtimeSpec = outcome.runtime.name
            result.installPath = outcome.runtime.directory
            result.message = "runtime \(outcome.runtime.name) installed (\(outcome.sizeBytes) bytes)"
        } catch {
            if sent.value == 0 { throw Self.rpcError(error) }
            result.success = false
            result.message = (error as? JobletError)?.message ?? "\(error)"
        }
        var chunk = Joblet_RuntimeInstallationChunk()
        chunk.chunkType = .result(result)
        try await stream.send(chunk)
    }

    /// Runs the manifest's `test` command as a job with the runtime (`RuntimeTestRun`).
    func test(_ spec: String) async throws -> Joblet_RuntimeTestRes {
        let name = try RuntimeName(spec)
        guard let rt = library.runtime(named: name) else {
            throw JobletError.notFound("runtime '\(spec)' is not installed")
        }
        var r = Joblet_RuntimeTestRes()
        guard !rt.manifest.test.isEmpty else {
            r.success = false
            r.exitCode = -1
            r.error = "runtime \(name) has no test command: add `test: <command>` to its runtime.yml"
            return r
        }
        let run = try await RuntimeTestRun.run(rt.manifest.test, runtime: name, engine: engine)
        r.exitCode = run.exitCode
        r.success = run.status == .completed
        r.output = String(decoding: run.output, as: UTF8.self)
        if !r.success {
            r.error = "test command `\(rt.manifest.test)` ended \(run.status.rawValue) (exit \(run.exitCode))\(run.reason.map { ": \($0)" } ?? ""); job \(run.jobID)"
        }
        return r
    }

}

/// Runs file-tree work (walking a runtime for its size, removing one) on a Dispatch thread, not
/// on one of the few threads of Swift's cooperative pool, which also run RPC handlers.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// Counts chunks sent (one lock, a short section).
final class InstallChunkCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
