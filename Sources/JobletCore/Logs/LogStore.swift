import Foundation

/// Job output: one append-only file per job, `<directory>/<id>.log`.
///
/// Writers are either the backend calling `append` or a job process whose stdout/stderr is the
/// file itself (`fileURL(for:)`). Readers (`reader(for:)`) read the file, each at its own pace,
/// woken by in-process appends and, for outside writers, by a poll tick every `pollInterval` that
/// runs only while someone waits. `close` marks the log complete (the job is final): followers end
/// once they reach its end.
///
/// Concurrency: one lock around the id → channel table (short lookups); each channel has its own
/// locks (see `LogChannel`); the poll ticker's running flag has one more.
public final class LogStore: Sendable {
    public let directory: URL
    public let pollInterval: Duration
    private let channels = LockedState<[String: LogChannel]>([:])
    private let tickerRunning = LockedState(false)
    /// Empty log files made ahead of their jobs (`keepSpareFiles`); nil: none are kept.
    private let spares = LockedState<SparePool<String>?>(nil)

    /// Creates `directory` if needed.
    public init(directory: URL, pollInterval: Duration = .milliseconds(100)) throws {
        self.directory = directory
        self.pollInterval = pollInterval
        do {
            // 0700: logs hold the jobs' output (DataDirectoryModes).
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: DataDirectoryModes.directoryMode])
        } catch {
            throw JobletError.internal("creating log directory \(directory.path): \(error)")
        }
    }

    /// Logs under `<dataDirectory>/logs`.
    public convenience init(dataDirectory: URL, pollInterval: Duration = .milliseconds(100)) throws {
        try self.init(directory: dataDirectory.appendingPathComponent("logs"), pollInterval: pollInterval)
    }

    public func fileURL(for id: String) -> URL {
        directory.appendingPathComponent("\(id).log")
    }

    /// Creates the (empty) log file and returns its location, e.g. for a backend that makes it
    /// the job's stdout and stderr.
    @discardableResult
    public func create(_ id: String) throws -> URL {
        _ = channel(for: id)
        let path = fileURL(for: id).path
        // A spare renamed into place: creating an inode is the slow part on a busy ext4.
        if let spare = spares.withLock({ $0 })?.take() {
            if access(path, F_OK) != 0, rename(spare, path) == 0 { return fileURL(for: id) }
            unlink(spare)
        }
        _ = try LogFile.openForAppending(path)
        return fileURL(for: id)
    }

    /// Keeps `count` empty log files (`.spare-<pid>-<n>`, mode 0600) ready for `create`, which
    /// renames one into place; `refillSpareFiles()` makes more (jobletd calls it after a launch,
    /// so that making them does not compete with the launch). Spares of a process that is gone
    /// are removed now; this process's go with `removeSpareFiles()`.
    public func keepSpareFiles(_ count: Int) {
        guard count > 0 else { return }
        let me = getpid()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where SparePool<String>.isStale(name, prefix: ".spare") {
            unlink(directory.appendingPathComponent(name).path)
        }
        let directory = self.directory
        let pool = SparePool<String>(label: "jobletd.spare-logs", size: count, make: { n in
            let path = directory.appendingPathComponent(".spare-\(me)-\(n)").path
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw LogFile.error("creating", path) }
            Glibc.close(fd)
            return path
        }, discard: { _ = unlink($0) }, failed: { _ in })  // create() makes its file itself meanwhile
        spares.withLock { $0 = pool }
    }

    /// Makes spares up to the count again (after a launch, so that it does not compete with it).
    public func refillSpareFiles() { spares.withLock { $0 }?.refill() }

    /// No more spares; those made are removed (jobletd stopping).
    public func removeSpareFiles() { spares.withLock { $0 }?.close() }

    /// Appends bytes to a job's log and wakes its followers.
    public func append(_ id: String, _ bytes: some ContiguousBytes) throws {
        let channel = channel(for: id)
        try bytes.withUnsafeBytes { try channel.append($0) }
    }

    /// Tells followers that someone else appended to the file (they would notice at the next tick).
    public func notifyAppended(_ id: String) {
        channel(for: id).changed()
    }

    /// The log is complete: followers end when they reach its end.
    public func close(_ id: String) {
        channel(for: id).close()
    }

    /// Removes the file; open readers finish what they had.
    public func delete(_ id: String) throws {
        let channel = channels.withLock { $0.removeValue(forKey: id) }
        channel?.close()
        do {
            try FileManager.default.removeItem(at: fileURL(for: id))
        } catch CocoaError.fileNoSuchFile {
            return
        } catch {
            if FileManager.default.fileExists(atPath: fileURL(for: id).path) {
                throw JobletError.internal("deleting log of job \(id): \(error)")
            }
        }
    }

    /// A reader of the log from `offset`: it follows live output until `close` when `follow` is
    /// true, or stops at the current end otherwise (use false for a job already final).
    public func reader(for id: String, follow: Bool = true, from offset: Int64 = 0,
                       chunkSize: Int = 64 * 1024) -> LogReader {
        LogReader(store: self, channel: channel(for: id), follow: follow, chunkSize: max(1, chunkSize),
                  startOffset: offset)
    }

    /// The whole log as it is now.
    public func contents(of id: String) throws -> [UInt8] {
        guard let file = try LogFile.openForReading(fileURL(for: id).path) else { return [] }
        var all: [UInt8] = []
        while true {
            let chunk = try file.read(at: Int64(all.count), count: 1 << 20)
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    // MARK: Internals

    private func channel(for id: String) -> LogChannel {
        channels.withLock { table in
            if let channel = table[id] { return channel }
            let channel = LogChannel(path: fileURL(for: id).path)
            table[id] = channel
            return channel
        }
    }

    func waitForChange(on channel: LogChannel, after generation: UInt64) async {
        // The ticker starts after the waiter is registered, so a ticker that is just stopping sees it.
        await channel.wait(after: generation, registered: { self.startTickerIfNeeded() })
    }

    private func startTickerIfNeeded() {
        let start = tickerRunning.withLock { running -> Bool in
            defer { running = true }
            return !running
        }
        guard start else { return }
        let interval = pollInterval
        Task.detached { [weak self] in
            while true {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                if self.tickAll() > 0 { continue }
                // Nobody waited: stop, unless a follower arrived while we were deciding.
                let stop = self.tickerRunning.withLock { running -> Bool in
                    running = self.channels.withLock { $0.values.contains { $0.hasWaiters } }
                    return !running
                }
                if stop { return }
            }
        }
    }

    private func tickAll() -> Int {
        channels.withLock { Array($0.values) }.reduce(0) { $0 + $1.tick() }
    }
}
