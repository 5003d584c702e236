import Foundation
import GRDB

/// Jobs in SQLite (WAL, through a GRDB `DatabasePool`): a job is stored before anything runs and
/// every transition is stored before it is reported.
///
/// Concurrency: no state of its own; GRDB serializes writes on one connection and reads run
/// concurrently on snapshot connections. Methods are synchronous and short (one statement or one
/// small transaction). Errors thrown are `JobletError`.
public final class JobStore: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating and migrating) the database at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw JobletError(wrapping: error, doing: "opening job database \(path)")
        }
    }

    /// Opens `<dataDirectory>/joblet.db`.
    public convenience init(dataDirectory: URL) throws {
        try self.init(path: dataDirectory.appendingPathComponent("joblet.db").path)
    }

    // MARK: Writing

    /// Stores a new job with its secrets and upload contents, which `request(for:)` gives back.
    public func insert(_ job: Job, request: JobRequest) throws {
        try write("storing job \(job.id)") { db in
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM job WHERE id = ?"), arguments: [job.id]) == true {
                throw JobletError.alreadyExists("job already exists: \(job.id)")
            }
            var arguments = JobColumns.arguments(for: job)
            arguments += [JobColumns.json(request.secretEnvironment)]
            try db.cachedStatement(sql: JobColumns.insertSQL).execute(arguments: arguments)
            if request.workspaceLimitMB != 0 {  // sandbox (issue 16)
                try db.execute(sql: "UPDATE job SET workspace_limit_mb = ? WHERE id = ?", arguments: [request.workspaceLimitMB, job.id])
            }
            try storeArtifactPatterns(db, id: job.id, request.artifacts)  // training (issue 19)
            for (position, upload) in request.uploads.enumerated() {
                try db.execute(sql: "INSERT INTO job_upload (job_id, position, content) VALUES (?, ?, ?)",
                               arguments: [job.id, position, Data(upload.content)])
            }
        }
    }

    /// Checks the move is legal and stores it, in one transaction. Only `JobEngine.transition` calls
    /// this, so that every stored transition is also reported.
    /// `backendState` / `nodeID`, when given, are stored in the same transaction (a backend's
    /// handle on the job together with RUNNING: one commit instead of two).
    func applyTransition(id: String, to next: JobStatus, exitCode: Int32?, reason: String?, at time: Date,
                         backendState: Data? = nil, nodeID: String? = nil)
        throws -> (previous: JobStatus, job: Job)
    {
        try write("storing transition of job \(id) to \(next.rawValue)") { db in
            let current = try Self.fetchJob(db, id: id)
            guard current.status.canTransition(to: next) else {
                throw JobletError.illegalTransition(id: id, from: current.status, to: next)
            }
            let stamp = RFC3339.format(time)
            try db.cachedStatement(sql: """
                UPDATE job SET status = ?, exit_code = COALESCE(?, exit_code), reason = COALESCE(?, reason),
                    started_at = CASE WHEN ? AND started_at IS NULL THEN ? ELSE started_at END,
                    ended_at = CASE WHEN ? THEN ? ELSE ended_at END, updated_at = ?,
                    backend_state = COALESCE(?, backend_state), node_id = COALESCE(?, node_id)
                WHERE id = ?
                """).execute(arguments: [next.rawValue, exitCode.map { Int64($0) }, reason, next == .running, stamp,
                                 next.isFinal, stamp, stamp, backendState, nodeID, id])
            return (current.status, try Self.fetchJob(db, id: id))
        }
    }

    /// Records what a backend learned about a job; nil leaves a field as it is.
    public func updateBackendInfo(id: String, state: Data? = nil, nodeID: String? = nil, gpuIndices: [Int]? = nil)
        throws -> Job
    {
        try write("storing backend state of job \(id)") { db in
            _ = try Self.fetchJob(db, id: id)
            try db.cachedStatement(sql: """
                UPDATE job SET backend_state = COALESCE(?, backend_state), node_id = COALESCE(?, node_id),
                    gpu_indices = COALESCE(?, gpu_indices), updated_at = ? WHERE id = ?
                """).execute(arguments: [state, nodeID, gpuIndices.map(JobColumns.json), RFC3339.format(Date()), id])
            return try Self.fetchJob(db, id: id)
        }
    }

    /// Deletes a final job (its uploads go with it); an active one gets `jobStillActive`.
    public func delete(id: String) throws {
        try write("deleting job \(id)") { db in
            let job = try Self.fetchJob(db, id: id)
            guard job.status.isFinal else { throw JobletError.jobStillActive(id: id, status: job.status) }
            try db.execute(sql: "DELETE FROM job WHERE id = ?", arguments: [id])
        }
    }

    /// Deletes every final job; active ones are skipped and counted.
    public func deleteAllFinal() throws -> JobDeletion {
        try write("deleting finished jobs") { db in
            let finals = JobStatus.allCases.filter(\.isFinal).map(\.rawValue)
            let placeholders = databaseQuestionMarks(count: finals.count)
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM job WHERE status IN (\(placeholders)) ORDER BY created_at, rowid",
                arguments: StatementArguments(finals))
            let skipped = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM job WHERE status NOT IN (\(placeholders))",
                arguments: StatementArguments(finals)) ?? 0
            try db.execute(sql: "DELETE FROM job WHERE status IN (\(placeholders))", arguments: StatementArguments(finals))
            return JobDeletion(deletedIDs: ids, skipped: skipped)
        }
    }

    // MARK: Reading

    /// The job with exactly this id.
    public func job(id: String) throws -> Job {
        try read("reading job \(id)") { db in try Self.fetchJob(db, id: id) }
    }

    /// The one job whose id starts with `prefix` (case-insensitive); `jobNotFound` when none,
    /// `ambiguousJobID` naming the matches when several.
    public func job(matching prefix: String) throws -> Job {
        try job(id: resolveID(prefix))
    }

    /// The full id of the one job whose id starts with `prefix`.
    public func resolveID(_ prefix: String) throws -> String {
        let wanted = prefix.trimmingCharacters(in: .whitespaces).lowercased()
        guard !wanted.isEmpty else { throw JobletError.invalidArgument("job id is empty: give a job id or a unique prefix of one") }
        let matches = try read("looking up job \(wanted)") { db in
            // A range on the primary key first (an index seek, not a scan of every job), then the
            // exact prefix test on what the range holds.
            try String.fetchAll(db, sql: "SELECT id FROM job WHERE id >= ? AND id < ? AND substr(id, 1, ?) = ? ORDER BY created_at, rowid LIMIT 20",
                                arguments: [wanted, wanted + "\u{FFFF}", wanted.count, wanted])
        }
        if matches.count == 1 || matches.contains(wanted) { return matches.count == 1 ? matches[0] : wanted }
        if matches.isEmpty { throw JobletError.jobNotFound(prefix) }
        throw JobletError.ambiguousJobID(prefix: prefix, matches: matches)
    }

    /// Every job, oldest first.
    public func list() throws -> [Job] {
        try fetchJobs(where: "1")
    }

    /// Jobs in one of `statuses`, oldest first.
    public func jobs(withStatus statuses: Set<JobStatus>) throws -> [Job] {
        guard !statuses.isEmpty else { return [] }
        let values = statuses.map(\.rawValue).sorted()
        return try fetchJobs(where: "status IN (\(databaseQuestionMarks(count: values.count)))",
                             arguments: StatementArguments(values))
    }

    /// Jobs that have not finished: what a restarted server re-adopts or re-schedules.
    public func nonFinalJobs() throws -> [Job] {
        try jobs(withStatus: Set(JobStatus.allCases.filter { !$0.isFinal }))
    }

    /// The request a job was created from, secrets and upload contents included, for a backend
    /// that starts it (perhaps after a restart). Never send this to a client.
    public func request(for id: String) throws -> JobRequest {
        try read("reading request of job \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) else {
                throw JobletError.jobNotFound(id)
            }
            let job = try JobColumns.job(from: row)
            let contents = try Data.fetchAll(
                db, sql: "SELECT content FROM job_upload WHERE job_id = ? ORDER BY position", arguments: [id])
            let uploads = job.uploads.enumerated().map { index, info in
                FileUpload(path: info.path, content: index < contents.count ? [UInt8](contents[index]) : [],
                           mode: info.mode, isDirectory: info.isDirectory)
            }
            var request = JobRequest(
                name: job.name, command: job.command, args: job.args, limits: job.limits,
                environment: job.environment,
                secretEnvironment: try JobColumns.decode([String: String].self, row["secret_environment"]),
                uploads: uploads, workDir: job.workDir, schedule: job.scheduledAt.map(RFC3339.format) ?? "",
                network: job.network, volumes: job.volumes, runtime: job.runtime, gpuCount: job.gpuCount,
                gpuMemoryMB: job.gpuMemoryMB, infra: job.infra)
            request.workspaceLimitMB = (row["workspace_limit_mb"] as Int?) ?? 0  // sandbox (issue 16)
            request.artifacts = try Self.artifactPatterns(row)  // training (issue 19)
            return request
        }
    }

    // MARK: Helpers

    private func fetchJobs(where condition: String, arguments: StatementArguments = []) throws -> [Job] {
        try read("listing jobs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job WHERE \(condition) ORDER BY created_at, rowid",
                             arguments: arguments).map(JobColumns.job(from:))
        }
    }

    private static func fetchJob(_ db: Database, id: String) throws -> Job {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM job WHERE id = ?"), arguments: [id]) else {
            throw JobletError.jobNotFound(id)
        }
        return try JobColumns.job(from: row)
    }

    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw StorageFailure.classify(error, doing: what) }
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw JobletError(wrapping: error, doing: what) }
    }
}
