import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the training metrics of every job as it runs: `##joblet-metric {json}` lines of its
/// log (local and SkyPilot jobs alike, both write their output there) and the lines of its
/// `$JOBLET_METRICS_FILE`, stores them (JobStore+Training) and announces new samples.
///
/// One task per job follows it from any transition until it is final, then reads once more
/// (everything a job writes reaches its log before its final status is stored) and ends. Read
/// offsets are stored with the samples, so a restarted jobletd goes on where it stopped.
/// Concurrency: an actor owning the table of following tasks.
public actor TrainingMetricsCollector {
    let engine: JobEngine
    let pollInterval: Duration
    private var following: [String: (generation: UInt64, task: Task<Void, Never>)] = [:]
    private var generation: UInt64 = 0
    private var eventsTask: Task<Void, Never>?

    public init(engine: JobEngine, pollInterval: Duration = .milliseconds(250)) {
        self.engine = engine
        self.pollInterval = pollInterval
    }

    /// Subscribe before `JobEngine.start`, so no transition of a re-adopted job is missed.
    public func start() async {
        let events = await engine.events()
        eventsTask = Task { [weak self] in
            for await event in events {
                guard let self else { return }
                switch event {
                case .transitioned(let job, _): await self.follow(job.id, final: job.status.isFinal)
                case .deleted(let id): await self.forget(id)
                default: break
                }
            }
        }
        for job in (try? engine.store.nonFinalJobs()) ?? [] where job.status != .scheduled { follow(job.id, final: false) }
    }

    public func shutdown() {
        eventsTask?.cancel()
        following.values.forEach { $0.task.cancel() }
        following.removeAll()
    }

    /// Starts following `id`; a job that became final while followed gets its last pass now
    /// instead of at the end of a backed-off sleep (WatchJobs' end notice waits for it).
    private func follow(_ id: String, final: Bool) {
        let previous = following[id]?.task
        if previous != nil && !final { return }
        previous?.cancel()
        let engine = self.engine, interval = pollInterval
        generation += 1
        let mine = generation
        following[id] = (mine, Task { [weak self] in
            await previous?.value
            await Self.follow(id, engine: engine, interval: interval)
            await self?.finished(id, generation: mine)
        })
    }

    private func forget(_ id: String) {
        following.removeValue(forKey: id)?.task.cancel()
    }

    private func finished(_ id: String, generation: UInt64) {
        if following[id]?.generation == generation { following[id] = nil }
    }

    static let idleInterval: Duration = .seconds(2)

    /// Ticks between two looks at the job's status: its final transition restarts the follow
    /// (`follow(_:final:)`), so this is only a backstop.
    static let statusCheckTicks = 8

    static func follow(_ id: String, engine: JobEngine, interval: Duration) async {
        guard var offsets = try? engine.store.trainingOffsets(id: id),
              let job = try? engine.store.job(id: id) else { return }
        var final = job.status.isFinal
        let logPath = engine.logs.fileURL(for: id).path
        let metricsPath = engine.trainingMetricsFilePath(of: job)
        // Polls back off while a job writes nothing (up to `idleInterval`), and speed up again
        // when it does: a thousand quiet jobs cost little.
        var wait = interval
        var tick = 0
        while !Task.isCancelled {
            let before = offsets
            tick += 1
            if !final, tick % statusCheckTicks == 0 {
                guard let status = try? engine.store.status(id: id) else { return }  // deleted
                final = status.isFinal
            }
            var fresh: [TrainingMetricSample] = []
            var more = false  // a big backlog is read in passes, yielding between them
            do {
                // stat(2) first: most ticks find nothing new, and open + close cost more.
                if (fileSize(logPath) ?? 0) > offsets.log || final,
                   let log = FileHandle(forReadingAtPath: logPath) {
                    let pass = try read(log, id: id, source: .log, offset: &offsets.log, toEnd: final, store: engine.store)
                    fresh += pass.samples
                    more = more || pass.more
                }
                if let metricsPath, (fileSize(metricsPath) ?? 0) > offsets.file || final,
                   let file = engine.openTrainingMetricsFile(of: job) {
                    let pass = try read(file, id: id, source: .file, offset: &offsets.file, toEnd: final, store: engine.store)
                    fresh += pass.samples
                    more = more || pass.more
                }
            } catch {
                return  // the job was deleted, or the database refuses: nothing more to keep
            }
            if !fresh.isEmpty { await engine.announceTraining(id, fresh) }
            if more {
                await Task.yield()
                continue
            }
            if final {
                await engine.announceTrainingComplete(id)
                return
            }
            wait = offsets == before ? min(wait * 2, idleInterval) : interval
            try? await Task.sleep(for: wait)
        }
    }

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Reads complete lines from `offset` on, at most `passBytes` (a pass never holds its thread
    /// long), stores them and the new offset; the new samples, and whether more is there to read.
    /// `toEnd`: the source has ended, so its last line counts even without a newline.
    static func read(_ handle: FileHandle, id: String, source: TrainingMetricSample.Source, offset: inout Int64,
                     toEnd: Bool, store: JobStore, passBytes: Int = 16 << 20) throws -> (samples: [TrainingMetricSample], more: Bool) {
        defer { try? handle.close() }
        // Nothing new (the common case for a job that reports nothing): no read, no write.
        guard let end = try? handle.seekToEnd(), end > UInt64(max(offset, 0)) else { return ([], false) }
        var splitter = TrainingLineSplitter(source: source, start: offset)
        var readBytes = 0
        var atEnd = false
        while readBytes < passBytes {
            guard (try? handle.seek(toOffset: UInt64(offset) + UInt64(readBytes))) != nil,
                  let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty else { atEnd = true; break }
            readBytes += data.count
            splitter.feed(data)
        }
        if toEnd && atEnd { splitter.finish() }
        guard splitter.consumed != offset else { return ([], !atEnd) }
        let added = try store.recordTraining(id: id, source: source, lines: splitter.lines, offset: splitter.consumed)
        offset = splitter.consumed
        return (added, !atEnd)
    }
}

/// Cuts bytes into lines, parsing each as a metrics record of its source; keeps the position of
/// every record and how far complete lines reach (`consumed`). A partial line waits for more
/// bytes, unless it has grown past the longest record, which is consumed as one line.
///
/// A job's log can be gigabytes of anything: for the log, only lines that start with the marker
/// are looked at, found with memchr(3) for '#' (memory speed), not line by line.
struct TrainingLineSplitter {
    let source: TrainingMetricSample.Source
    private(set) var consumed: Int64
    private(set) var lines: [JobStore.TrainingLine] = []
    private var pending: [UInt8] = []
    static let marker = Array(TrainingMetricLine.prefix.utf8)

    init(source: TrainingMetricSample.Source, start: Int64) {
        self.source = source
        self.consumed = start
    }

    mutating func feed(_ data: Data) {
        pending.append(contentsOf: data)
        let complete = (pending.lastIndex(of: 0x0A) ?? -1) + 1  // bytes up to the last newline
        if complete > 0 {
            let records = source == .log ? Self.markedLines(pending, upTo: complete) : Self.allLines(pending, upTo: complete)
            for range in records { take(pending[range], at: consumed + Int64(range.lowerBound)) }
            consumed += Int64(complete)
            pending.removeFirst(complete)
        }
        if pending.count > TrainingMetricLine.maxLineBytes + 1024 { finish() }
    }

    /// The rest as a last line (the source has ended, or the line is too long to wait for).
    mutating func finish() {
        if !pending.isEmpty {
            take(pending[...], at: consumed)
            consumed += Int64(pending.count)
        }
        pending.removeAll()
    }

    /// Ranges (without the newline) of the lines in `bytes[..<end]` that start, after blanks, with '#'
    /// followed by the rest of the marker.
    static func markedLines(_ bytes: [UInt8], upTo end: Int) -> [Range<Int>] {
        bytes.withUnsafeBytes { raw -> [Range<Int>] in
            guard let base = raw.baseAddress else { return [] }
            var found: [Range<Int>] = []
            var from = 0
            while from < end, let hit = memchr(base + from, Int32(UInt8(ascii: "#")), end - from) {
                let at = base.distance(to: UnsafeRawPointer(hit))
                var start = at
                while start > 0, raw[start - 1] == 0x20 || raw[start - 1] == 0x09 { start -= 1 }
                let lineEnd = memchr(base + at, 0x0A, end - at).map { base.distance(to: UnsafeRawPointer($0)) } ?? end
                if start == 0 || raw[start - 1] == 0x0A, lineEnd - at >= marker.count,
                   memcmp(base + at, marker, marker.count) == 0 {
                    found.append(start..<lineEnd)
                }
                from = (start == 0 || raw[start - 1] == 0x0A) ? lineEnd + 1 : at + 1
            }
            return found
        }
    }

    /// Every line of `bytes[..<end]` (the metrics file: every line is a record).
    static func allLines(_ bytes: [UInt8], upTo end: Int) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var start = 0
        while start < end, let newline = bytes[start..<end].firstIndex(of: 0x0A) {
            found.append(start..<newline)
            start = newline + 1
        }
        return found
    }

    private mutating func take(_ line: ArraySlice<UInt8>, at position: Int64) {
        var text = line
        if text.last == 0x0D { text = text.dropLast() }
        let parsed = source == .log ? TrainingMetricLine.parseLogLine(text) : TrainingMetricLine.parseFileLine(text)
        switch parsed {
        case .notMetric: break
        case .sample(let values): lines.append(.init(position: position, values: values))
        case .malformed: lines.append(.init(position: position, values: nil))
        }
    }
}
