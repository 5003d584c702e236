import CJobletLinux
import Foundation
import Glibc
import JobletCore

/// Volumes under `<data>/volumes/<name>/`: `image` (a sparse ext4 file, filesystem volumes) and
/// `data` (its mount, or a tmpfs), the directory jobs bind-mount. Stateless.
public struct LinuxVolumeHost: VolumeHost {
    let directory: String
    let mkfs: String
    /// Called when the volumes directory has just become a shared mount: job inits started
    /// before (warm ones) are in mount namespaces without it and must be replaced.
    let becameShared: @Sendable () -> Void

    public init(directory: String, mkfs: String = "/usr/sbin/mkfs.ext4", becameShared: @escaping @Sendable () -> Void = {}) {
        self.directory = directory
        self.mkfs = mkfs
        self.becameShared = becameShared
    }

    func root(_ v: Volume) -> String { directory + "/" + v.name }
    func image(_ v: Volume) -> String { root(v) + "/image" }
    public func dataPath(of v: Volume) -> String { root(v) + "/data" }

    public func create(_ v: Volume) throws {
        try shareDirectory()
        try FileIO.makeDirectories(dataPath(of: v), mode: 0o700)
        do {
            switch v.kind {
            case .memory:
                try check(CJobletLinux_volume_mount_tmpfs(dataPath(of: v), UInt64(v.sizeBytes)), "mounting a tmpfs of \(v.sizeBytes) bytes")
            case .filesystem:
                let fd = open(image(v), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw LocalJobError.system(LinuxError("open", path: image(v), errno: errno)) }
                let truncated = ftruncate(fd, off_t(v.sizeBytes)) == 0
                let e = errno
                close(fd)
                guard truncated else { throw LocalJobError.system(LinuxError("ftruncate", path: image(v), errno: e)) }
                try makeFilesystem(image(v))
                try check(CJobletLinux_volume_mount_image(image(v), dataPath(of: v)), "mounting \(image(v)) on a loop device")
                rmdir(dataPath(of: v) + "/lost+found")
            }
            // Every job runs as a uid of its own: any of them may write here.
            guard chmod(dataPath(of: v), 0o1777) == 0 else { throw LocalJobError.system(LinuxError("chmod", path: dataPath(of: v), errno: errno)) }
        } catch {
            try? remove(v)
            throw error
        }
    }

    public func remove(_ v: Volume) throws {
        try check(CJobletLinux_volume_unmount(dataPath(of: v)), "unmounting \(dataPath(of: v))")
        if FileManager.default.fileExists(atPath: root(v)) {
            try JobDirectoryRemover.remove(jobID: v.name, under: directory)
        }
        // The last volume gone: the shared mount of the directory goes too (made again with the next).
        if isMounted(directory), ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["?"]).isEmpty {
            _ = CJobletLinux_volume_unmount(directory)
        }
    }

    /// Warm inits (InitPool) are in mount namespaces copied before a volume is mounted: the
    /// volumes directory is a shared mount, so what is mounted under it reaches them too. Made
    /// with the first volume, so that a server without volumes leaves no mount behind.
    func shareDirectory() throws {
        try FileIO.makeDirectories(directory, mode: 0o700)
        let wasMounted = isMounted(directory)
        try check(CJobletLinux_volume_share_directory(directory, wasMounted ? 0 : 1), "making \(directory) a shared mount")
        if !wasMounted { becameShared() }
    }

    public func mountIfNeeded(_ volumes: [Volume]) throws {
        guard !volumes.isEmpty else { return }
        try shareDirectory()
        var failures: [String] = []
        for v in volumes where !isMounted(dataPath(of: v)) {
            do {
                try FileIO.makeDirectories(dataPath(of: v), mode: 0o700)
                switch v.kind {
                case .memory: try check(CJobletLinux_volume_mount_tmpfs(dataPath(of: v), UInt64(v.sizeBytes)), "mounting memory volume \(v.name)")
                case .filesystem: try check(CJobletLinux_volume_mount_image(image(v), dataPath(of: v)), "mounting volume \(v.name) from \(image(v))")
                }
                chmod(dataPath(of: v), 0o1777)
            } catch {
                failures.append("\(error)")
            }
        }
        if !failures.isEmpty { throw LocalJobError.spawnFailed(failures.joined(separator: "; ")) }
    }

    public func isMounted(_ v: Volume) -> Bool { isMounted(dataPath(of: v)) }

    public func usedBytes(of v: Volume) -> Int64? {
        var s = statvfs()
        guard isMounted(dataPath(of: v)), statvfs(dataPath(of: v), &s) == 0 else { return nil }
        return Int64(s.f_blocks - s.f_bfree) * Int64(s.f_frsize)
    }

    /// Whether `path` is a mount point in our namespace (/proc/self/mountinfo: a bind mount has
    /// the same device as its parent, so comparing st_dev is not enough).
    func isMounted(_ path: String) -> Bool {
        // FileIO reads to EOF; Foundation stops at procfs's first page (4 KiB), and hosts have more mounts.
        guard let text = try? FileIO.read("/proc/self/mountinfo") else { return false }
        let escaped = path.replacingOccurrences(of: "\\", with: "\\134").replacingOccurrences(of: " ", with: "\\040")
            .replacingOccurrences(of: "\t", with: "\\011").replacingOccurrences(of: "\n", with: "\\012")
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ", maxSplits: 5)
            return fields.count > 4 && fields[4] == escaped
        }
    }

    private func check(_ rc: Int32, _ what: String) throws {
        guard rc == 0 else { throw LocalJobError.spawnFailed("volume: \(what): \(LinuxError.message(for: -rc))") }
    }

    private func makeFilesystem(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: mkfs) else {
            throw LocalJobError.spawnFailed("\(mkfs) not found: filesystem volumes need e2fsprogs (apt-get install e2fsprogs)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mkfs)
        // -m 0: no blocks reserved for root, the job gets the whole size; no lazy init, so the
        // kernel does not keep writing the image in the background.
        process.arguments = ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=0,lazy_journal_init=0", path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LocalJobError.spawnFailed("mkfs.ext4 \(path): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
