import Foundation
import JobletAPI

/// RuntimeService.
extension JobletClient {
    public func listRuntimes() async throws -> [Joblet_RuntimeInfo] {
        let r: Joblet_RuntimesRes = try await unary(Joblet_RuntimeService.Method.listRuntimes, Joblet_EmptyRequest())
        return r.runtimes
    }

    public func runtimeInfo(_ name: String) async throws -> Joblet_RuntimeInfoRes {
        var request = Joblet_RuntimeInfoReq()
        request.runtime = name
        return try await unary(Joblet_RuntimeService.Method.getRuntimeInfo, request)
    }

    public func testRuntime(_ name: String) async throws -> Joblet_RuntimeTestRes {
        var request = Joblet_RuntimeTestReq()
        request.runtime = name
        return try await unary(Joblet_RuntimeService.Method.testRuntime, request)
    }

    public func validateRuntimeSpec(_ spec: String) async throws -> Joblet_ValidateRuntimeSpecResponse {
        var request = Joblet_ValidateRuntimeSpecRequest()
        request.runtimeSpec = spec
        return try await unary(Joblet_RuntimeService.Method.validateRuntimeSpec, request)
    }

    public func removeRuntime(_ name: String) async throws -> Joblet_RuntimeRemoveRes {
        var request = Joblet_RuntimeRemoveReq()
        request.runtime = name
        return try await unary(Joblet_RuntimeService.Method.removeRuntime, request)
    }

    /// Progress, setup output and the result, as the server sends them.
    public func installRuntime(_ request: Joblet_InstallRuntimeFromLocalRequest) async throws
        -> AsyncThrowingStream<Joblet_RuntimeInstallationChunk, Error> {
        try await stream(Joblet_RuntimeService.Method.streamingInstallRuntimeFromLocal, request, Joblet_RuntimeInstallationChunk.self)
    }

    public func installRuntime(_ request: Joblet_InstallRuntimeRequest) async throws
        -> AsyncThrowingStream<Joblet_RuntimeInstallationChunk, Error> {
        try await stream(Joblet_RuntimeService.Method.streamingInstallRuntimeFromGithub, request, Joblet_RuntimeInstallationChunk.self)
    }
}

/// A runtime's source directory as RuntimeFile messages: every regular file under it (symlinks
/// and special files skipped), the executable bit kept.
public enum RuntimeSourceDirectory {
    public static let maxFiles = 10_000

    public static func files(in directory: String) throws -> [Joblet_RuntimeFile] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw JobletClientError("\(directory) is not a directory (give the folder holding setup.sh and runtime.yml)")
        }
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw JobletClientError("cannot read \(directory)")
        }
        var out: [Joblet_RuntimeFile] = []
        while let rel = walker.nextObject() as? String {
            let path = directory + "/" + rel
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                  attrs[.type] as? FileAttributeType == .typeRegular else { continue }
            guard out.count < maxFiles else { throw JobletClientError("\(directory) has more than \(maxFiles) files") }
            guard let data = FileManager.default.contents(atPath: path) else { throw JobletClientError("cannot read \(path)") }
            var f = Joblet_RuntimeFile()
            f.path = rel
            f.content = [UInt8](data)
            f.executable = ((attrs[.posixPermissions] as? Int) ?? 0) & 0o111 != 0
            out.append(f)
        }
        guard out.contains(where: { $0.path == "setup.sh" || $0.path == "runtime.yml" }) else {
            throw JobletClientError("\(directory) has neither setup.sh nor runtime.yml at its top")
        }
        return out.sorted { $0.path < $1.path }
    }
}
