import Foundation
import GRDB

/// Training metrics and artifacts (issue 19). Metric lines are keyed by their byte position in
/// their source, so reading a source again after a restart stores nothing twice; each job's
/// latest values, counts and read offsets sit in one row updated in the same transaction.
extension JobStore {
    static let trainingV1 = """
        CREATE TABLE job_training_metric (
            job_id TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
            source TEXT NOT NULL,              -- 'log' or 'file'
            position INTEGER NOT NULL,         -- byte offset of the line in its source
            recorded_at TEXT NOT NULL,
            metric_values TEXT,                -- JSON object of numbers; NULL: a malformed line
            PRIMARY KEY (job_id, source, position)
        );
        CREATE TABLE job_training_summary (
            job_id TEXT PRIMARY KEY NOT NULL REFERENCES job(id) ON DELETE CASCADE,
            latest TEXT NOT NULL,              -- JSON object: the latest value of each key
            samples INTEGER NOT NULL,
            malformed INTEGER NOT NULL,
            log_offset INTEGER NOT NULL,
            file_offset INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE job_artifact (
            job_id TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
            name TEXT NOT NULL,                -- path inside the workspace
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (job_id, name)
        );
        ALTER TABLE job ADD COLUMN artifact_patterns TEXT NOT NULL DEFAULT '[]';
        """

    /// One metrics line read at `position` of `source`: its values, or nil when malformed.
    public struct TrainingLine: Sendable {
        public var position: Int64
        public var values: [String: Double]?
        public init(position: Int64, values: [String: Double]?) {
            self.position = position
            self.values = values
        }
    }

    /// Stores lines read from `source` and its new read offset; returns the samples that were new.
    @discardableResult
    public func recordTraining(id: String, source: TrainingMetricSample.Source, lines: [TrainingLine],
                               offset: Int64, at time: Date = Date()) throws -> [TrainingMetricSample] {
        try write("storing training metrics of job \(id)") { db in
            let stamp = RFC3339.format(time)
            let row = try Row.fetchOne(db, sql: "SELECT * FROM job_training_summary WHERE job_id = ?", arguments: [id])
            var latest = try row.map { try JobColumns.decode([String: Double].self, $0["latest"]) } ?? [:]
            var samples: Int = row?["samples"] ?? 0, malformed: Int = row?["malformed"] ?? 0
            var added: [TrainingMetricSample] = []
            for line in lines {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO job_training_metric (job_id, source, position, recorded_at, metric_values)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [id, source.rawValue, line.position, stamp, line.values.map(JobColumns.json)])
                guard db.changesCount > 0 else { continue }
                if let values = line.values {
                    samples += 1
                    latest.merge(values) { _, new in new }
                    added.append(TrainingMetricSample(values: values, time: time, source: source, position: line.position))
                } else {
                    malformed += 1
                }
            }
            let column = source == .log ? "log_offset" : "file_offset"
            try db.execute(sql: """
                INSERT INTO job_training_summary (job_id, latest, samples, malformed, log_offset, file_offset, updated_at)
                VALUES (?, ?, ?, ?, 0, 0, ?)
                ON CONFLICT(job_id) DO UPDATE SET latest = excluded.latest, samples = excluded.samples,
                    malformed = excluded.malformed, updated_at = CASE WHEN ? THEN excluded.updated_at ELSE updated_at END
                """, arguments: [id, JobColumns.json(latest), samples, malformed, stamp, !lines.isEmpty])
            try db.execute(sql: "UPDATE job_training_summary SET \(column) = ? WHERE job_id = ?", arguments: [offset, id])
            return added
        }
    }

    /// A job's status alone (no row decoding): what a poller needs; nil when the job is gone.
    public func status(id: String) throws -> JobStatus? {
        try read("reading status of job \(id)") { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM job WHERE id = ?"), arguments: [id])
                .flatMap(JobStatus.init(rawValue:))
        }
    }

    /// Where reading each source of a job's metrics goes on (0, 0 for a job never read).
    public func trainingOffsets(id: String) throws -> (log: Int64, file: Int64) {
        try read("reading training offsets of job \(id)") { db in
            let row = try Row.fetchOne(db, sql: "SELECT log_offset, file_offset FROM job_training_summary WHERE job_id = ?",
                                       arguments: [id])
            return (row?["log_offset"] ?? 0, row?["file_offset"] ?? 0)
        }
    }

    /// Latest values and counts; nil when the job reported nothing (not even a malformed line).
    public func trainingSummary(id: String) throws -> TrainingMetricsSummary? {
        try read("reading training metrics of job \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job_training_summary WHERE job_id = ?", arguments: [id]),
                  (row["samples"] as Int) + (row["malformed"] as Int) > 0 else { return nil }
            return TrainingMetricsSummary(latest: try JobColumns.decode([String: Double].self, row["latest"]),
                                          samples: row["samples"], malformedLines: row["malformed"],
                                          updated: RFC3339.parse(row["updated_at"]) ?? Date())
        }
    }

    /// The samples in the order they were stored; the last `limit` when it is > 0.
    public func trainingSamples(id: String, limit: Int = 0) throws -> [TrainingMetricSample] {
        try read("reading training metrics of job \(id)") { db in
            let all = "SELECT rowid AS r, * FROM job_training_metric WHERE job_id = ? AND metric_values IS NOT NULL"
            let sql = limit > 0 ? "SELECT * FROM (\(all) ORDER BY r DESC LIMIT \(limit)) ORDER BY r" : "\(all) ORDER BY r"
            return try Row.fetchAll(db, sql: sql, arguments: [id]).map { row in
                TrainingMetricSample(values: try JobColumns.decode([String: Double].self, row["metric_values"]),
                                     time: RFC3339.parse(row["recorded_at"]) ?? Date(),
                                     source: TrainingMetricSample.Source(rawValue: row["source"]) ?? .log,
                                     position: row["position"])
            }
        }
    }
}

/// Artifacts (issue 19): the patterns a job named, and what was kept when it ended.
extension JobStore {
    func storeArtifactPatterns(_ db: Database, id: String, _ patterns: [String]) throws {
        guard !patterns.isEmpty else { return }
        try db.execute(sql: "UPDATE job SET artifact_patterns = ? WHERE id = ?", arguments: [JobColumns.json(patterns), id])
    }

    static func artifactPatterns(_ row: Row) throws -> [String] {
        try JobColumns.decode([String].self, row["artifact_patterns"])
    }

    public func artifactPatterns(id: String) throws -> [String] {
        try read("reading artifact patterns of job \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT artifact_patterns FROM job WHERE id = ?", arguments: [id]) else {
                throw JobletError.jobNotFound(id)
            }
            return try Self.artifactPatterns(row)
        }
    }

    public func recordArtifacts(id: String, _ artifacts: [Artifact]) throws {
        try write("storing artifacts of job \(id)") { db in
            for a in artifacts {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO job_artifact (job_id, name, size, sha256, created_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [id, a.name, a.size, a.sha256, RFC3339.format(a.created)])
            }
        }
    }

    /// Stores a hash computed after the job ended (the size stays the one recorded at the end).
    public func recordArtifactHash(id: String, name: String, sha256: String) throws {
        try write("storing the hash of artifact \(name) of job \(id)") { db in
            try db.execute(sql: "UPDATE job_artifact SET sha256 = ? WHERE job_id = ? AND name = ? AND sha256 = ''",
                           arguments: [sha256, id, name])
        }
    }

    public func artifactsWithoutHash() throws -> [(jobID: String, name: String)] {
        try read("listing artifacts to hash") { db in
            try Row.fetchAll(db, sql: "SELECT job_id, name FROM job_artifact WHERE sha256 = '' ORDER BY job_id, name")
                .map { ($0["job_id"], $0["name"]) }
        }
    }

    public func artifacts(id: String) throws -> [Artifact] {
        try read("reading artifacts of job \(id)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job_artifact WHERE job_id = ? ORDER BY name", arguments: [id]).map { row in
                Artifact(name: row["name"], size: row["size"], sha256: row["sha256"],
                         created: RFC3339.parse(row["created_at"]) ?? Date())
            }
        }
    }
}
