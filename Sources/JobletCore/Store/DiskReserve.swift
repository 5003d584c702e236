import Foundation

/// RunJob's guard against a full disk: below `minFreeBytes` free in the data directory's
/// filesystem (the job database, logs and workspaces) a new job is refused with
/// RESOURCE_EXHAUSTED naming the free space, instead of failing half-way in SQLite or filling the
/// last bytes that running jobs need to record their end (`server.minFreeDiskMB`).
public struct DiskReserve: Sendable {
    public let directory: URL
    public let minFreeBytes: Int64

    public init(directory: URL, minFreeMB: Int) {
        self.directory = directory
        self.minFreeBytes = Int64(max(0, minFreeMB)) * 1024 * 1024
    }

    /// Free bytes for an unprivileged writer (statvfs f_bavail), nil when it cannot be read.
    public var freeBytes: Int64? {
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory.path)
        return (attributes?[.systemFreeSize] as? NSNumber)?.int64Value
    }

    public func check() throws {
        guard minFreeBytes > 0, let free = freeBytes, free < minFreeBytes else { return }
        throw JobletError.resourceExhausted(
            "the data directory \(directory.path) has \(free / 1024 / 1024) MB free, below the reserve of \(minFreeBytes / 1024 / 1024) MB (server.minFreeDiskMB): free disk space (delete finished jobs: rnx delete-all) before running more jobs")
    }
}
