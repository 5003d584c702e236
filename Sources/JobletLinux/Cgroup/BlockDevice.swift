import Glibc

/// The whole block device under a path, as the blkio/io controllers name it ("major:minor").
struct BlockDevice: Equatable, CustomStringConvertible {
    let major: UInt32
    let minor: UInt32
    var description: String { "\(major):\(minor)" }

    /// The device a path lives on, or why it cannot be throttled. Partitions resolve to their disk:
    /// the throttling controllers accept whole disks only.
    static func backing(_ path: String, sysfs: String = "/sys/dev/block") -> Result<BlockDevice, CannotThrottle> {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return .failure(CannotThrottle("cannot stat \(path): \(LinuxError.message(for: errno))"))
        }
        let dev = UInt64(st.st_dev)
        let device = BlockDevice(major: UInt32(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)),
                                 minor: UInt32((dev & 0xff) | ((dev >> 12) & ~0xff)))
        let node = "\(sysfs)/\(device)"
        guard device.major != 0, FileIO.exists(node) else {
            return .failure(CannotThrottle("\(path) is on device \(device), a virtual filesystem (overlay, tmpfs, ...) with no block queue to throttle"))
        }
        guard FileIO.exists(node + "/partition") else { return .success(device) }
        // /sys/dev/block/M:m → .../block/vda/vda1; the disk is the parent directory.
        guard let resolved = realpath(node, nil) else { return .success(device) }
        defer { free(resolved) }
        let partition = String(cString: resolved)
        let disk = String(partition[..<(partition.lastIndex(of: "/") ?? partition.endIndex)])
        guard let text = FileIO.readTrimmed(disk + "/dev") else { return .success(device) }
        let parts = text.split(separator: ":").compactMap { UInt32($0) }
        return parts.count == 2 ? .success(BlockDevice(major: parts[0], minor: parts[1])) : .success(device)
    }

    struct CannotThrottle: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
