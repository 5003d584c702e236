import Foundation

/// Keeps a job's artifacts under `<data>/artifacts/<job id>/` when it ends (hard-linked out of the
/// workspace when it can be, copied otherwise) with their sizes, then computes each SHA-256 once,
/// off the job's end: until it is stored the artifact's state is `hashing` (a download waits for
/// it). Hashes still missing after a restart are computed at start (`hashPending`). Stored bytes
/// are checked again before they are served.
///
/// The walk over the workspace never follows a symbolic link: a job could point one at a host
/// file. It runs after every process of the job is gone, so nothing changes the tree under it.
/// Concurrency: no mutable state; the database serializes the records.
public final class ArtifactKeeper: Sendable {
    public let directory: URL
    let store: JobStore
    let makeHasher: @Sendable () -> any SHA256Hashing
    /// More matches than this are not kept (and the log says so).
    public static let maxFiles = 1000
    static let chunkSize = 1 << 20

    public init(dataDirectory: URL, store: JobStore, hasher: @escaping @Sendable () -> any SHA256Hashing) {
        self.directory = dataDirectory.appendingPathComponent("artifacts")
        self.store = store
        self.makeHasher = hasher
    }

    public func fileURL(jobID: String, name: String) -> URL {
        directory.appendingPathComponent(jobID).appendingPathComponent(name)
    }

    /// Finds what `patterns` name under `workspace`, keeps and records it. Returns one line per
    /// problem (a pattern that matched nothing, a file that could not be kept), for the job's log.
    @discardableResult
    public func keep(jobID: String, patterns: [String], workspace: URL) -> [String] {
        var problems: [String] = []
        var names: [String] = []
        for pattern in patterns {
            let found = Self.expand(ArtifactPattern.components(pattern)[...], under: workspace, relative: "")
            if found.isEmpty { problems.append("artifact '\(pattern)' matched no regular file in the workspace") }
            for name in found where !names.contains(name) { names.append(name) }
        }
        if names.count > Self.maxFiles {
            problems.append("artifacts: \(names.count) files matched; only the first \(Self.maxFiles) are kept")
            names = Array(names.prefix(Self.maxFiles))
        }
        var kept: [Artifact] = []
        for name in names {
            do {
                kept.append(try keepOne(jobID: jobID, name: name, from: workspace.appendingPathComponent(name)))
            } catch {
                problems.append("artifact '\(name)' was not kept: \(error)")
            }
        }
        do {
            try store.recordArtifacts(id: jobID, kept)
        } catch {
            problems.append("artifacts were not recorded: \(error)")
            return problems
        }
        if !kept.isEmpty { hashInBackground(jobID: jobID, names: kept.map(\.name)) }
        return problems
    }

    /// Computes the stored artifacts' hashes, one job's files after another, off the caller.
    func hashInBackground(jobID: String, names: [String]) {
        Task.detached(priority: .utility) { [self] in
            for name in names { hash(jobID: jobID, name: name) }
        }
    }

    private func hash(jobID: String, name: String) {
        // A job deleted meanwhile takes its files and rows with it: nothing to store then.
        guard let (_, sha256) = try? digest(of: fileURL(jobID: jobID, name: name)) else { return }
        try? store.recordArtifactHash(id: jobID, name: name, sha256: sha256)
    }

    /// At start: hashes that a stopped jobletd did not get to.
    public func hashPending() {
        guard let pending = try? store.artifactsWithoutHash() else { return }
        for (jobID, names) in Dictionary(grouping: pending, by: \.jobID) {
            hashInBackground(jobID: jobID, names: names.map(\.name))
        }
    }

    /// The artifact once its hash is stored; nil when it is gone, or still hashing after `timeout`.
    public func hashed(jobID: String, name: String, timeout: Duration) async throws -> Artifact? {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let artifact = try store.artifacts(id: jobID).first(where: { $0.name == name }) else { return nil }
            if !artifact.sha256.isEmpty || ContinuousClock.now >= deadline { return artifact }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func keepOne(jobID: String, name: String, from source: URL) throws -> Artifact {
        let target = fileURL(jobID: jobID, name: name)
        let fm = FileManager.default
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        try? fm.removeItem(at: target)
        do {
            try fm.linkItem(at: source, to: target)  // same filesystem: no copy
        } catch {
            try copy(source, to: target)
        }
        try fm.setAttributes([.posixPermissions: 0o600, .ownerAccountID: 0, .groupOwnerAccountID: 0], ofItemAtPath: target.path)
        let size = (try fm.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.int64Value ?? 0
        return Artifact(name: name, size: size, sha256: "", created: Date())  // hashed off the job's end
    }

    private func copy(_ source: URL, to target: URL) throws {
        let input = try FileHandle(forReadingFrom: source)
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: target.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw JobletError.internal("cannot create \(target.path)")
        }
        let output = try FileHandle(forWritingTo: target)
        defer { try? output.close() }
        while let data = try input.read(upToCount: Self.chunkSize), !data.isEmpty {
            try output.write(contentsOf: data)
        }
    }

    /// Size and SHA-256 of a file, read once.
    public func digest(of url: URL) throws -> (size: Int64, sha256: String) {
        try makeHasher().digestFile(atPath: url.path)
    }

    /// How the stored bytes compare with the record: the size always; every byte when `verify`.
    public func state(of artifact: Artifact, jobID: String, verify: Bool) -> Artifact.State {
        let url = fileURL(jobID: jobID, name: artifact.name)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return .missing }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        guard size == artifact.size else { return .corrupt }
        if artifact.sha256.isEmpty { return .hashing }
        guard verify else { return .ok }
        guard let (_, hash) = try? digest(of: url) else { return .missing }
        return hash == artifact.sha256 ? .ok : .corrupt
    }

    /// DeleteJob: the job's artifacts go with it.
    public func remove(jobID: String) throws {
        let dir = directory.appendingPathComponent(jobID)
        if FileManager.default.fileExists(atPath: dir.path) { try FileManager.default.removeItem(at: dir) }
    }

    /// Workspace-relative paths of the regular files matching `parts`, sorted; never through a
    /// symbolic link, never more than `maxFiles + 1`.
    static func expand(_ parts: ArraySlice<String>, under dir: URL, relative: String) -> [String] {
        guard let first = parts.first else { return [] }
        let rest = parts.dropFirst()
        let fm = FileManager.default
        let names = ArtifactPattern.hasWildcard(first)
            ? ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { ArtifactPattern.matches($0, first) }.sorted()
            : [first]
        var found: [String] = []
        for name in names where found.count <= maxFiles {
            let url = dir.appendingPathComponent(name)
            // lstat: a symbolic link is its own type here, and is skipped.
            guard let type = (try? fm.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType else { continue }
            if rest.isEmpty {
                if type == .typeRegular { found.append(relative + name) }
            } else if type == .typeDirectory {
                found += expand(rest, under: url, relative: relative + name + "/")
            }
        }
        return found
    }
}
