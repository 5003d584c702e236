/// The devices a job may open, as runc's default allow list: the /dev nodes joblet-init creates
/// (null, zero, full, random, urandom, tty) and pseudo-terminals (ptmx, pts). Everything else --
/// disks, /dev/mem, /dev/kmsg, GPUs -- is refused by the kernel even if a node for it appears.
/// cgroup v1 only: on v2 the same needs a BPF program attached to the cgroup (not built;
/// docs/security.md), and a job there can still only reach the nodes joblet-init bind-mounts.
enum DeviceAllowList {
    /// `type major:minor access`, as devices.allow takes them.
    static let entries = [
        "c 1:3 rwm",    // null
        "c 1:5 rwm",    // zero
        "c 1:7 rwm",    // full
        "c 1:8 rwm",    // random
        "c 1:9 rwm",    // urandom
        "c 5:0 rwm",    // tty
        "c 5:2 rwm",    // ptmx
        "c 136:* rwm",  // pts
    ]

    /// Denies everything, then allows `entries`, in a new (still empty) v1 devices cgroup.
    static func apply(toV1 directory: String) throws {
        try FileIO.write("a", to: "\(directory)/devices.deny")
        for entry in entries { try FileIO.write(entry, to: "\(directory)/devices.allow") }
    }
}
