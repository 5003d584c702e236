/// A block device's counters from /proc/diskstats (sectors are 512 bytes whatever the device's).
public struct DiskIOCounters: Sendable, Equatable {
    public var device = ""
    public var readsCompleted: Int64 = 0, writesCompleted: Int64 = 0
    public var readBytes: Int64 = 0, writeBytes: Int64 = 0
    /// Milliseconds.
    public var readTime: Int64 = 0, writeTime: Int64 = 0, ioTime: Int64 = 0
}

public enum DiskStatsText {
    /// "major minor name reads merged sectors ms writes merged sectors ms inflight io_ms weighted_ms …"
    public static func parse(_ text: String) -> [DiskIOCounters] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 14 else { return nil }
            let n = f[3...].map { Int64($0) ?? 0 }
            return DiskIOCounters(device: String(f[2]), readsCompleted: n[0], writesCompleted: n[4],
                                  readBytes: n[2] * 512, writeBytes: n[6] * 512, readTime: n[3], writeTime: n[7], ioTime: n[9])
        }
    }

    /// Whole disks (names under /sys/block) that did any I/O: partitions would count twice, and
    /// idle loop and zram devices are noise.
    public static func wholeDisks(_ all: [DiskIOCounters], blockDevices: Set<String>) -> [DiskIOCounters] {
        all.filter { blockDevices.contains($0.device) && ($0.readsCompleted + $0.writesCompleted > 0) }
    }
}
