import CJobletLinux
import Foundation
import Glibc
import JobletCore
import Synchronization

/// The runtimes directory (`runtimes.path`, default `<data>/runtimes`): one directory per
/// runtime, named by its normalized name, plus `.staging/` (installs under way) and `.trash/`
/// (removals under way), both emptied at every start. The installed runtimes are also kept in
/// memory (one `Mutex`, short sections), so RunJob resolves a runtime without I/O.
public final class RuntimeLibrary: Sendable {
    public let root: String
    let log: @Sendable (String) -> Void

    struct State {
        var installed: [String: InstalledRuntime] = [:]
        /// Names with an install under way (a second one is refused).
        var installing: Set<String> = []
        /// Names being removed: RunJob refuses them meanwhile.
        var removing: Set<String> = []
        /// Sizes measured so far (a walk of the tree; dropped when the runtime changes).
        var sizes: [String: Int64] = [:]
    }
    let state = Mutex(State())

    var stagingRoot: String { root + "/.staging" }
    var trashRoot: String { root + "/.trash" }

    /// Creates the directory, clears what an interrupted install or removal left (`sweep`
    /// first stops a builder that outlived a killed jobletd), and loads every runtime.
    public init(root: String, log: @escaping @Sendable (String) -> Void = { _ in },
                sweep: (String) -> Void = { _ in }) throws {
        self.root = root
        self.log = log
        try FileIO.makeDirectories(root, mode: 0o755)
        try FileIO.makeDirectories(stagingRoot, mode: 0o700)
        try FileIO.makeDirectories(trashRoot, mode: 0o700)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: stagingRoot)) ?? [] {
            sweep(stagingRoot + "/" + entry)
            log("runtimes: removing the leftovers of an interrupted install (\(entry))")
            try? Self.removeTree(entry, in: stagingRoot)
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: trashRoot)) ?? [] {
            try? Self.removeTree(entry, in: trashRoot)
        }
        reload()
    }

    /// Re-reads every runtime directory.
    public func reload() {
        var found: [String: InstalledRuntime] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where !entry.hasPrefix(".") {
            guard let name = try? RuntimeName(entry), name.normalized == entry else { continue }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + entry, isDirectory: &isDir), isDir.boolValue else { continue }
            let r = InstalledRuntime.load(name: entry, directory: root + "/" + entry)
            if let p = r.problem { log("runtimes: \(entry) is not usable: \(p)") }
            found[entry] = r
        }
        state.withLock {
            $0.installed = found
            $0.sizes = [:]
        }
    }

    public var installed: [InstalledRuntime] {
        state.withLock { $0.installed.values.sorted { $0.name < $1.name } }
    }

    public func runtime(named name: RuntimeName) -> InstalledRuntime? {
        state.withLock { $0.installed[name.normalized] }
    }

    /// What a job with `runtime: spec` gets, or the error RunJob answers (no I/O).
    public func resolve(_ spec: String) -> Result<InstalledRuntime, JobletError> {
        let name: RuntimeName
        do { name = try RuntimeName(spec) } catch { return .failure(error) }
        return state.withLock { s -> Result<InstalledRuntime, JobletError> in
            if s.removing.contains(name.normalized) {
                return .failure(.failedPrecondition("runtime '\(name)' is being removed"))
            }
            guard let r = s.installed[name.normalized] else {
                let names = s.installed.keys.sorted()
                return .failure(.invalidArgument("runtime '\(spec)' is not installed; installed: \(names.isEmpty ? "none" : names.joined(separator: ", ")) (install one with 'rnx runtime install')"))
            }
            if let p = r.problem { return .failure(.failedPrecondition("runtime '\(name)' is installed but broken: \(p); reinstall it with force")) }
            return .success(r)
        }
    }

    /// Bytes of every file under the runtime's directory (apparent sizes, links not followed),
    /// measured once per install (a runtime's tree does not change while it is installed).
    public func sizeBytes(of runtime: InstalledRuntime) -> Int64 {
        if let known = state.withLock({ $0.sizes[runtime.name] }) { return known }
        let size = Self.treeSize(runtime.directory)
        state.withLock { s in
            if s.installed[runtime.name]?.directory == runtime.directory { s.sizes[runtime.name] = size }
        }
        return size
    }

    static func treeSize(_ path: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        var count = 0
        while let rel = walker.nextObject() as? String, count < 5_000_000 {
            count += 1
            var st = stat()
            if lstat(path + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
        }
        return total
    }

    // MARK: removal

    /// Removes a runtime unless `usersOf` names a job that still uses it (checked after RunJob
    /// has been told to refuse the name, so no job can start in between). Returns the bytes freed.
    public func remove(_ spec: String, usersOf: (String) throws -> [String]) throws -> Int64 {
        let name = try RuntimeName(spec)
        let runtime: InstalledRuntime = try state.withLock { s throws(JobletError) -> InstalledRuntime in
            guard let r = s.installed[name.normalized] else {
                throw .notFound("runtime '\(spec)' is not installed")
            }
            guard !s.installing.contains(name.normalized), !s.removing.contains(name.normalized) else {
                throw .failedPrecondition("runtime '\(name)' is being installed or removed; try again when that ends")
            }
            s.removing.insert(name.normalized)
            return r
        }
        defer { _ = state.withLock { $0.removing.remove(name.normalized) } }
        let users = try usersOf(name.normalized)
        if !users.isEmpty {
            throw JobletError.failedPrecondition("runtime '\(name)' is in use by \(users.count) job(s) that have not ended (\(users.prefix(5).joined(separator: ", "))); stop them or wait, then remove it")
        }
        let size = sizeBytes(of: runtime)
        let trash = UUID().uuidString
        guard rename(runtime.directory, trashRoot + "/" + trash) == 0 else {
            throw JobletError.internal("cannot remove runtime \(name): rename \(runtime.directory): \(String(cString: strerror(errno)))")
        }
        state.withLock {
            $0.installed.removeValue(forKey: name.normalized)
            $0.sizes.removeValue(forKey: name.normalized)
        }
        try? Self.removeTree(trash, in: trashRoot)
        return size
    }

    // MARK: install bookkeeping

    /// Marks `name` as being installed; ABORTED-worthy (`InstallBusy`) when one already is.
    func beginInstall(_ name: RuntimeName) throws {
        let ok = state.withLock { s in
            guard !s.removing.contains(name.normalized) else { return false }
            return s.installing.insert(name.normalized).inserted
        }
        if !ok { throw RuntimeInstallBusy(name: name.normalized) }
    }

    func endInstall(_ name: RuntimeName) {
        _ = state.withLock { $0.installing.remove(name.normalized) }
    }

    /// Moves a validated build into place in one step: a rename when the name is free, an
    /// exchange (renameat2 RENAME_EXCHANGE) when it replaces a runtime; the old tree is then removed.
    /// `checkUnused` runs while RunJob refuses the name (as for a removal), right before a swap.
    func place(_ built: String, as name: RuntimeName, replacing: Bool, checkUnused: () throws -> Void) throws -> InstalledRuntime {
        let target = root + "/" + name.normalized
        var st = stat()
        let exists = lstat(target, &st) == 0
        if exists && !replacing {
            throw JobletError.alreadyExists("runtime '\(name)' is already installed; pass force_reinstall (rnx runtime install --force) to replace it")
        }
        if exists {
            state.withLock { _ = $0.removing.insert(name.normalized) }
            defer { _ = state.withLock { $0.removing.remove(name.normalized) } }
            try checkUnused()
            guard CJobletLinux_rename_exchange(built, target) == 0 else {
                throw JobletError.internal("cannot replace runtime \(name): \(String(cString: strerror(errno)))")
            }
            let parent = (built as NSString).deletingLastPathComponent
            try? Self.removeTree((built as NSString).lastPathComponent, in: parent)
        } else {
            guard rename(built, target) == 0 else {
                throw JobletError.internal("cannot install runtime \(name): rename: \(String(cString: strerror(errno)))")
            }
        }
        let r = InstalledRuntime.load(name: name.normalized, directory: target)
        state.withLock {
            $0.installed[name.normalized] = r
            $0.sizes.removeValue(forKey: name.normalized)
        }
        return r
    }

    /// Removes `parent/name` without following links inside it.
    static func removeTree(_ name: String, in parent: String) throws {
        let fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if CJobletLinux_remove_tree(fd, name) < 0 && errno != ENOENT {
            throw LinuxError("removing", path: parent + "/" + name, errno: errno)
        }
    }
}

/// A second install of a name while one runs (the server answers ABORTED).
public struct RuntimeInstallBusy: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "runtime '\(name)' is being installed by another request; wait for it to finish" }
}
