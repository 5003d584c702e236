import Foundation

/// Volumes: create, list, remove, and the mounts of a job's `volumes`. Stored in SQLite
/// (`JobStore`), made on the host by a `VolumeHost`. Create and remove hold one lock (they are
/// rare and run mkfs or unmount); lookups do not take it.
public final class VolumeRegistry: Sendable {
    let store: JobStore
    public let host: any VolumeHost
    private let changes = LockedState(())

    public init(store: JobStore, host: any VolumeHost) {
        self.store = store
        self.host = host
    }

    public struct Listed: Sendable {
        public var volume: Volume
        public var path: String
        public var usedBytes: Int64?
        public var jobCount: Int
    }

    public func create(name: String, size: String, type: String) throws -> (volume: Volume, path: String) {
        try Volume.checkName(name)
        let kindText = type.isEmpty ? "filesystem" : type.lowercased()
        guard let kind = Volume.Kind(rawValue: kindText) else {
            throw JobletError.invalidArgument("invalid volume type '\(type)': use filesystem (the default) or memory")
        }
        let bytes = try VolumeSize.parse(size)
        let volume = Volume(name: name, kind: kind, sizeBytes: bytes, createdAt: Date())
        try changes.withLock { _ in
            if try store.volumes().contains(where: { $0.name == name }) {
                throw JobletError.alreadyExists("volume already exists: \(name)")
            }
            try host.create(volume)
            do { try store.insertVolume(volume) } catch {
                try? host.remove(volume)
                throw error
            }
        }
        return (volume, host.dataPath(of: volume))
    }

    public func list() throws -> [Listed] {
        let users = try jobCounts()
        return try store.volumes().map {
            Listed(volume: $0, path: host.dataPath(of: $0), usedBytes: host.usedBytes(of: $0), jobCount: users[$0.name] ?? 0)
        }
    }

    public func remove(name: String) throws {
        try changes.withLock { _ in
            guard let volume = try store.volumes().first(where: { $0.name == name }) else {
                throw JobletError.notFound("volume not found: \(name)")
            }
            if let count = try jobCounts()[name], count > 0 {
                throw JobletError.failedPrecondition("volume '\(name)' is used by \(count) job(s) that have not finished; stop them first")
            }
            try host.remove(volume)
            try store.deleteVolume(name: name)
        }
    }

    /// Mounts what a reboot unmounted. Called at start.
    public func mountAtStart() throws {
        try host.mountIfNeeded(store.volumes())
    }

    /// Host source, target in the job and read-only flag of each entry, or INVALID_ARGUMENT
    /// naming an unknown volume and the existing ones.
    public func mounts(for entries: [String]) throws -> [(source: String, target: String, readOnly: Bool)] {
        guard !entries.isEmpty else { return [] }
        let volumes = try store.volumes()
        return try entries.map { entry in
            let binding = try VolumeBinding(parsing: entry)
            guard let volume = volumes.first(where: { $0.name == binding.name }) else {
                let names = volumes.map(\.name)
                throw JobletError.invalidArgument("volume '\(binding.name)' does not exist; "
                    + (names.isEmpty ? "there are none: create it with `rnx volume create \(binding.name) --size 1GB`"
                                     : "existing volumes: \(names.joined(separator: ", "))"))
            }
            // Never the bare directory under a volume that is not mounted (its image lost, a
            // failed mount at start): that would be storage without the volume's limit.
            guard host.isMounted(volume) else {
                throw JobletError.failedPrecondition("volume '\(volume.name)' is not mounted (see jobletd's log from its start); remove it and create it again")
            }
            return (host.dataPath(of: volume), binding.target, binding.readOnly)
        }
    }

    /// Jobs that are not final, per volume name.
    private func jobCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for job in try store.nonFinalJobs() {
            let names = Set(job.volumes.compactMap { try? VolumeBinding(parsing: $0).name })
            for name in names { counts[name, default: 0] += 1 }
        }
        return counts
    }
}
