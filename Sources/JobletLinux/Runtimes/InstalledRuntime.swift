import Foundation
import JobletCore

/// A runtime on disk: its directory, its parsed `runtime.yml`, and its mounts resolved to host
/// paths that stay inside the directory (symlinks included). `problem` is set, and `mounts`
/// empty, when the directory is not a usable runtime (listed as unavailable, refused at RunJob).
public struct InstalledRuntime: Sendable, Equatable {
    public let name: String
    public let directory: String
    public let manifest: RuntimeManifest
    public let mounts: [JobMount]
    public let problem: String?

    /// Reads `<directory>/runtime.yml` and resolves its mounts. Never throws: a broken runtime
    /// is one with a `problem`.
    static func load(name: String, directory: String) -> InstalledRuntime {
        let path = directory + "/" + RuntimeManifest.fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            return InstalledRuntime(name: name, directory: directory, manifest: RuntimeManifest(), mounts: [],
                                    problem: "\(path) is missing or unreadable")
        }
        do {
            let manifest = try RuntimeManifest(parsing: String(decoding: data, as: UTF8.self))
            let mounts = try resolve(manifest, in: directory)
            return InstalledRuntime(name: name, directory: directory, manifest: manifest, mounts: mounts, problem: nil)
        } catch {
            return InstalledRuntime(name: name, directory: directory, manifest: RuntimeManifest(), mounts: [],
                                    problem: error.message)
        }
    }

    /// Each manifest mount as a host path: it must exist and its real path (every symlink
    /// followed) must lie inside the runtime's real directory; targets are checked as any job mount's.
    static func resolve(_ manifest: RuntimeManifest, in directory: String) throws(JobletError) -> [JobMount] {
        guard let base = realPath(directory) else { throw .failedPrecondition("runtime directory \(directory) cannot be resolved") }
        var out: [JobMount] = []
        for (i, m) in manifest.mounts.enumerated() {
            if let problem = JobMount.problem(withTarget: m.target) {
                throw .invalidArgument("runtime.yml mounts[\(i)]: \(problem)")
            }
            guard let real = realPath(directory + "/" + m.source) else {
                throw .invalidArgument("runtime.yml mounts[\(i)].source '\(m.source)' does not exist in the runtime (setup.sh should create it under $RUNTIME_DIR)")
            }
            guard real == base || real.hasPrefix(base + "/") else {
                throw .invalidArgument("runtime.yml mounts[\(i)].source '\(m.source)' leads outside the runtime's directory (to \(real)); sources must stay inside it, symlinks included")
            }
            out.append(JobMount(source: real, target: m.target, readOnly: m.readOnly))
        }
        return out
    }

    static func realPath(_ path: String) -> String? {
        guard let p = Glibc.realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
