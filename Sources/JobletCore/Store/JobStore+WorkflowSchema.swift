extension JobStore {
    /// Migration "workflows-v1". A workflow job's `job` row appears only when it starts, so
    /// `workflow_job` has no foreign key to `job`. `state` is PENDING until the job ends; then it
    /// holds the final status with exit code, reason and times (`started` = 1 if it ran), so that
    /// the workflow's record stays whole when the job itself is deleted.
    static let workflowsV1 = """
        CREATE TABLE workflow (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            yaml TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            stop_requested BOOLEAN NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            started_at TEXT,
            completed_at TEXT
        );
        CREATE INDEX workflow_status ON workflow(status);
        CREATE TABLE workflow_file (
            workflow_id TEXT NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            content BLOB NOT NULL,
            mode INTEGER NOT NULL,
            is_directory BOOLEAN NOT NULL,
            PRIMARY KEY (workflow_id, position)
        );
        CREATE TABLE workflow_job (
            job_id TEXT PRIMARY KEY NOT NULL,
            workflow_id TEXT NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            spec TEXT NOT NULL,                 -- JSON WorkflowJobSpec, secrets included; never listed
            dependencies TEXT NOT NULL,         -- JSON array of job names
            state TEXT NOT NULL,
            started BOOLEAN NOT NULL DEFAULT 0,
            exit_code INTEGER,
            reason TEXT,
            started_at TEXT,
            ended_at TEXT
        );
        CREATE INDEX workflow_job_workflow ON workflow_job(workflow_id, position);
        """
}
