import Foundation
import GRDB

/// Workflows in the job database: `workflow`, `workflow_file` and `workflow_job` (migration
/// "workflows-v1"). A workflow job's row in `job` appears only when it starts; until then (or if
/// it never starts) `workflow_job.state` holds PENDING, CANCELED or FAILED with the reason.
extension JobStore {
    /// Stores the workflow, its files and all its jobs in one transaction, before anything runs.
    /// `jobIDs[i]` is the UUID job i will have.
    public func insertWorkflow(id: String, definition: WorkflowDefinition, jobIDs: [String], at time: Date = Date())
        throws
    {
        precondition(jobIDs.count == definition.jobs.count)
        try write("storing workflow \(id)") { db in
            try db.execute(sql: """
                INSERT INTO workflow (id, name, description, yaml, status, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, definition.name, definition.description, definition.yaml,
                                 WorkflowStatus.pending.rawValue, RFC3339.format(time)])
            let fileInsert = try db.cachedStatement(sql: """
                INSERT INTO workflow_file (workflow_id, position, path, content, mode, is_directory) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for (position, file) in definition.files.enumerated() {
                try fileInsert.execute(arguments: [id, position, file.path, Data(file.content), Int64(file.mode), file.isDirectory])
            }
            let jobInsert = try db.cachedStatement(sql: """
                INSERT INTO workflow_job (job_id, workflow_id, position, name, spec, dependencies, state)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for (position, job) in definition.jobs.enumerated() {
                let spec = String(decoding: try encoder.encode(job), as: UTF8.self)
                try jobInsert.execute(arguments: [jobIDs[position], id, position, job.name, spec,
                                                  JobColumns.json(job.dependencies), JobStatus.pending.rawValue])
            }
        }
    }

    /// The workflow with this id, or the one whose id starts with `prefix`.
    public func workflow(matching prefix: String) throws -> Workflow {
        let wanted = prefix.trimmingCharacters(in: .whitespaces).lowercased()
        guard !wanted.isEmpty else {
            throw JobletError.invalidArgument("workflow id is empty: give a workflow id or a unique prefix of one")
        }
        let found = try read("looking up workflow \(wanted)") { db in
            try Row.fetchAll(db, sql: "\(Self.workflowSelect) WHERE w.id >= ? AND w.id < ? AND substr(w.id, 1, ?) = ? ORDER BY w.created_at LIMIT 20",
                             arguments: [wanted, wanted + "\u{FFFF}", wanted.count, wanted]).map(Self.workflow(from:))
        }
        if let exact = found.first(where: { $0.id == wanted }) { return exact }
        if found.count == 1 { return found[0] }
        if found.isEmpty { throw JobletError.notFound("workflow not found: \(prefix)") }
        throw JobletError.invalidArgument("workflow id prefix '\(prefix)' is ambiguous: matches \(found.prefix(5).map(\.id).joined(separator: ", ")); give more characters")
    }

    /// Workflows oldest first; only unfinished ones unless `includeCompleted`.
    public func workflows(includeCompleted: Bool) throws -> [Workflow] {
        let condition = includeCompleted ? "" : "WHERE w.status IN ('PENDING', 'RUNNING')"
        return try read("listing workflows") { db in
            try Row.fetchAll(db, sql: "\(Self.workflowSelect) \(condition) ORDER BY w.created_at, w.rowid")
                .map(Self.workflow(from:))
        }
    }

    /// A workflow's jobs in the YAML's order, with their current status. `requirements` stays
    /// empty unless `withRequirements` (it means decoding each job's stored spec).
    public func workflowJobs(workflowID: String, withRequirements: Bool = false) throws -> [WorkflowJobRecord] {
        try read("listing jobs of workflow \(workflowID)") { db in
            try Row.fetchAll(db, sql: """
                SELECT wj.job_id, wj.name, wj.dependencies, \(withRequirements ? "wj.spec" : "NULL AS spec"), wj.state,
                       wj.started AS wj_started, wj.exit_code AS wj_exit, wj.reason AS wj_reason,
                       wj.started_at AS wj_started_at, wj.ended_at AS wj_ended,
                       j.status, j.exit_code, j.reason, j.started_at, j.ended_at
                FROM workflow_job wj LEFT JOIN job j ON j.id = wj.job_id
                WHERE wj.workflow_id = ? ORDER BY wj.position
                """, arguments: [workflowID]).map(Self.workflowJob(from:))
        }
    }

    /// The stored specs (secrets included) of a workflow's jobs, in order: for the engine only.
    public func workflowSpecs(workflowID: String) throws -> [WorkflowJobSpec] {
        try read("reading workflow \(workflowID)") { db in
            try String.fetchAll(db, sql: "SELECT spec FROM workflow_job WHERE workflow_id = ? ORDER BY position",
                                arguments: [workflowID]).map { text in
                do { return try JSONDecoder().decode(WorkflowJobSpec.self, from: Data(text.utf8)) } catch {
                    throw JobletError.internal("corrupt job spec in workflow \(workflowID): \(error)")
                }
            }
        }
    }

    /// The stored spec (secrets included) of one workflow job: for the engine only.
    public func workflowSpec(jobID: String) throws -> WorkflowJobSpec {
        try read("reading workflow job \(jobID)") { db in
            guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT spec FROM workflow_job WHERE job_id = ?"),
                                                 arguments: [jobID]) else {
                throw JobletError.notFound("workflow job not found: \(jobID)")
            }
            do { return try JSONDecoder().decode(WorkflowJobSpec.self, from: Data(text.utf8)) } catch {
                throw JobletError.internal("corrupt job spec of workflow job \(jobID): \(error)")
            }
        }
    }

    /// The files sent with a workflow, in order.
    public func workflowFiles(workflowID: String) throws -> [FileUpload] {
        try read("reading files of workflow \(workflowID)") { db in
            try Row.fetchAll(db, sql: """
                SELECT path, content, mode, is_directory FROM workflow_file WHERE workflow_id = ? ORDER BY position
                """, arguments: [workflowID]).map { row in
                let content: Data = row["content"]
                let mode: Int64 = row["mode"]
                return FileUpload(path: row["path"], content: [UInt8](content), mode: UInt32(truncatingIfNeeded: mode),
                                  isDirectory: row["is_directory"])
            }
        }
    }

    /// Records a workflow's new status; RUNNING stamps `started_at`, a final status `completed_at`.
    public func setWorkflowStatus(id: String, to status: WorkflowStatus, reason: String? = nil, at time: Date = Date())
        throws
    {
        let stamp = RFC3339.format(time)
        try write("storing status of workflow \(id)") { db in
            try db.execute(sql: """
                UPDATE workflow SET status = ?, reason = COALESCE(?, reason),
                    started_at = CASE WHEN ? AND started_at IS NULL THEN ? ELSE started_at END,
                    completed_at = CASE WHEN ? THEN ? ELSE completed_at END
                WHERE id = ?
                """, arguments: [status.rawValue, reason, status == .running, stamp, status.isFinal, stamp, id])
        }
    }

    /// Remembers a StopWorkflow, so that a restart finishes the stop.
    public func setWorkflowStopRequested(id: String) throws {
        try write("storing stop of workflow \(id)") { db in
            try db.execute(sql: "UPDATE workflow SET stop_requested = 1 WHERE id = ?", arguments: [id])
        }
    }

    /// A workflow job that ends without ever starting: CANCELED (a requirement cannot hold) or
    /// FAILED (it could not be started). Only while it has not started.
    public func endUnstartedWorkflowJob(jobID: String, as status: JobStatus, reason: String, at time: Date = Date())
        throws
    {
        try write("storing end of workflow job \(jobID)") { db in
            try db.execute(sql: """
                UPDATE workflow_job SET state = ?, reason = ?, ended_at = ?, exit_code = ? WHERE job_id = ? AND state = 'PENDING'
                """, arguments: [status.rawValue, reason, RFC3339.format(time),
                                 status == .failed ? Int64(-1) : nil,  // could not start: never exit 0
                                 jobID])
        }
    }

    /// Copies a started workflow job's end (status, exit code, reason, times) into its workflow's
    /// record, which then no longer depends on the job's own row.
    public func recordWorkflowJobEnd(_ job: Job) throws {
        try write("storing end of workflow job \(job.id)") { db in
            try db.cachedStatement(sql: """
                UPDATE workflow_job SET state = ?, started = 1, exit_code = ?, reason = ?, started_at = ?, ended_at = ?
                WHERE job_id = ?
                """).execute(arguments: [job.status.rawValue, job.exitCode.map { Int64($0) }, job.reason,
                                         job.startedAt.map(RFC3339.format), job.endedAt.map(RFC3339.format), job.id])
        }
    }

    /// Ids of workflows not yet final: what a restarted server picks up again.
    public func unfinishedWorkflowIDs() throws -> [String] {
        try read("listing unfinished workflows") { db in
            try String.fetchAll(db, sql: "SELECT id FROM workflow WHERE status IN ('PENDING', 'RUNNING') ORDER BY created_at")
        }
    }

    /// For jobs that belong to a workflow: its id and the job's dependencies (names).
    /// `jobIDs` nil = every workflow job.
    public func workflowMembership(jobIDs: [String]? = nil) throws -> [String: (workflowID: String, dependencies: [String])] {
        try read("reading workflow membership") { db in
            let rows: [Row]
            if let jobIDs {
                guard !jobIDs.isEmpty else { return [:] }
                rows = try Row.fetchAll(db, sql: """
                    SELECT job_id, workflow_id, dependencies FROM workflow_job WHERE job_id IN (\(databaseQuestionMarks(count: jobIDs.count)))
                    """, arguments: StatementArguments(jobIDs))
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT job_id, workflow_id, dependencies FROM workflow_job")
            }
            var result: [String: (workflowID: String, dependencies: [String])] = [:]
            for row in rows {
                result[row["job_id"]] = (row["workflow_id"], try JobColumns.decode([String].self, row["dependencies"]))
            }
            return result
        }
    }

    // MARK: Rows

    private static let workflowSelect = """
        SELECT w.*,
            (SELECT COUNT(*) FROM workflow_job wj WHERE wj.workflow_id = w.id) AS total,
            (SELECT COUNT(*) FROM workflow_job wj LEFT JOIN job j ON j.id = wj.job_id
                WHERE wj.workflow_id = w.id AND COALESCE(j.status, wj.state) = 'COMPLETED') AS completed,
            (SELECT COUNT(*) FROM workflow_job wj LEFT JOIN job j ON j.id = wj.job_id
                WHERE wj.workflow_id = w.id AND COALESCE(j.status, wj.state) = 'FAILED') AS failed,
            (SELECT COUNT(*) FROM workflow_job wj LEFT JOIN job j ON j.id = wj.job_id
                WHERE wj.workflow_id = w.id AND COALESCE(j.status, wj.state) IN ('CANCELED', 'STOPPED')) AS canceled
        FROM workflow w
        """

    private static func workflow(from row: Row) throws -> Workflow {
        let statusText: String = row["status"]
        guard let status = WorkflowStatus(rawValue: statusText) else {
            throw JobletError.internal("workflow \(row["id"] as String? ?? "?") has unknown status '\(statusText)'")
        }
        return Workflow(
            id: row["id"], name: row["name"], description: row["description"], yaml: row["yaml"], status: status,
            reason: row["reason"], stopRequested: row["stop_requested"], createdAt: try date(row["created_at"]),
            startedAt: try optionalDate(row["started_at"]), completedAt: try optionalDate(row["completed_at"]),
            totalJobs: row["total"], completedJobs: row["completed"], failedJobs: row["failed"],
            canceledJobs: row["canceled"])
    }

    private static func workflowJob(from row: Row) throws -> WorkflowJobRecord {
        let jobStatus: String? = row["status"]
        let state: String = row["state"]
        let text = jobStatus ?? state
        guard let status = JobStatus(rawValue: text) else {
            throw JobletError.internal("workflow job \(row["job_id"] as String? ?? "?") has unknown status '\(text)'")
        }
        let specText: String? = row["spec"]
        let requirements = try specText.map { try JSONDecoder().decode(WorkflowJobSpec.self, from: Data($0.utf8)).requirements } ?? []
        // The job's own row while it exists; the copy in workflow_job once it ended (or was deleted).
        let live = jobStatus != nil
        let exitCode: Int64? = live ? row["exit_code"] : row["wj_exit"]
        let started = live || row["wj_started"] as Bool
        return WorkflowJobRecord(
            jobID: row["job_id"], name: row["name"], dependencies: try JobColumns.decode([String].self, row["dependencies"]),
            requirements: requirements, started: started, status: status,
            exitCode: exitCode.map { Int32(truncatingIfNeeded: $0) },
            reason: live ? row["reason"] : row["wj_reason"],
            startedAt: try optionalDate(live ? row["started_at"] : row["wj_started_at"]),
            endedAt: try optionalDate(live ? row["ended_at"] : row["wj_ended"]))
    }

    private static func date(_ text: String?) throws -> Date {
        guard let text, let date = RFC3339.parse(text) else {
            throw JobletError.internal("corrupt timestamp '\(text ?? "NULL")' in the workflow tables")
        }
        return date
    }

    private static func optionalDate(_ text: String?) throws -> Date? {
        guard let text else { return nil }
        return try date(text)
    }
}
