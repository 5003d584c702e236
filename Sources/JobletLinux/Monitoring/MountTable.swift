/// One line of /proc/self/mounts.
public struct MountEntry: Sendable, Equatable {
    public var device: String
    public var mountPoint: String
    public var filesystem: String
}

/// The mounts worth showing as disks: real filesystems, one entry per device.
public enum MountTable {
    /// Kernel and in-memory filesystems: not disks. (Volumes backed by loop devices are real.)
    static let pseudoFilesystems: Set<String> = [
        "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2", "mqueue", "debugfs", "tracefs",
        "securityfs", "pstore", "bpf", "autofs", "hugetlbfs", "configfs", "fusectl", "binfmt_misc", "nsfs",
        "rpc_pipefs", "efivarfs", "selinuxfs", "overlay", "squashfs", "fuse.gvfsd-fuse", "fuse.lxcfs", "nfsd",
        "devfs", "rootfs",
    ]

    public static func parse(_ text: String) -> [MountEntry] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 3 else { return nil }
            return MountEntry(device: CgroupLayout.unescapeMountField(f[0]), mountPoint: CgroupLayout.unescapeMountField(f[1]),
                              filesystem: String(f[2]))
        }
    }

    /// Real filesystems only; a device mounted twice (bind mounts) appears once, at its first mount.
    public static func disks(_ mounts: [MountEntry]) -> [MountEntry] {
        var seen = Set<String>()
        return mounts.filter { m in
            guard !pseudoFilesystems.contains(m.filesystem), m.device.hasPrefix("/") || m.filesystem.hasPrefix("nfs")
                    || m.filesystem == "cifs" || m.filesystem == "zfs" || m.filesystem == "btrfs" else { return false }
            return seen.insert(m.device).inserted
        }
    }
}
