import Glibc
import Synchronization

/// Open descriptors on running jobs' CPU and memory counter files, so that a /metrics scrape
/// re-reads each with one pread instead of open, read, close (on cgroupfs the path lookup and
/// open cost ten times the read). Two descriptors per running job; `keepOnly` closes those of
/// jobs that are gone (a removed cgroup's open file just reads as nothing).
///
/// Concurrency: the table sits behind one `Mutex`, held for lookups and inserts only.
public final class CgroupCounterCache: Sendable {
    struct Entry {
        var cpu: Int32
        var memory: Int32
        var files: CgroupCounterFiles
    }
    private let table = Mutex<[String: Entry]>([:])

    public init() {}

    deinit { table.withLock { t in t.values.forEach(Self.close) } }

    /// CPU nanoseconds and memory bytes of `id`'s cgroup; opens its files on first use.
    func read(id: String, files: () -> CgroupCounterFiles) -> (cpuNanoseconds: UInt64?, memoryBytes: UInt64?) {
        var entry = table.withLock { $0[id] }
        if entry == nil {
            let f = files()
            let opened = Entry(cpu: f.cpu.map { open($0, O_RDONLY | O_CLOEXEC) } ?? -1,
                               memory: f.memory.map { open($0, O_RDONLY | O_CLOEXEC) } ?? -1, files: f)
            guard opened.cpu >= 0 || opened.memory >= 0 else { Self.close(opened); return (nil, nil) }
            entry = table.withLock { t in
                if let raced = t[id] { Self.close(opened); return raced }
                t[id] = opened
                return opened
            }
        }
        guard let e = entry else { return (nil, nil) }
        let cpu = e.cpu >= 0 ? FileIO.readNumber(fd: e.cpu, after: e.files.cpuKey).map { $0 &* e.files.cpuScale } : nil
        let memory = e.memory >= 0 ? FileIO.readNumber(fd: e.memory) : nil
        return (cpu, memory)
    }

    /// Closes the descriptors of every job not in `ids`.
    public func keepOnly(_ ids: Set<String>) {
        let gone = table.withLock { t -> [Entry] in
            let stale = t.keys.filter { !ids.contains($0) }
            return stale.compactMap { t.removeValue(forKey: $0) }
        }
        gone.forEach(Self.close)
    }

    static func close(_ e: Entry) {
        if e.cpu >= 0 { Glibc.close(e.cpu) }
        if e.memory >= 0 { Glibc.close(e.memory) }
    }
}
