import GRDB

extension JobStore {
    /// Versioned migrations; append new ones, never edit a shipped one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs and their uploads") { db in
            try db.execute(sql: """
                CREATE TABLE job (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    command TEXT NOT NULL,
                    args TEXT NOT NULL,                 -- JSON array
                    max_cpu INTEGER NOT NULL,
                    cpu_cores TEXT NOT NULL,
                    max_memory_mb INTEGER NOT NULL,
                    max_iobps INTEGER NOT NULL,
                    max_pids INTEGER NOT NULL,
                    environment TEXT NOT NULL,          -- JSON object
                    secret_environment TEXT NOT NULL,   -- JSON object; never listed
                    uploads TEXT NOT NULL,              -- JSON array of UploadInfo
                    work_dir TEXT NOT NULL,
                    network TEXT NOT NULL,
                    volumes TEXT NOT NULL,              -- JSON array
                    runtime TEXT NOT NULL,
                    gpu_count INTEGER NOT NULL,
                    gpu_memory_mb INTEGER NOT NULL,
                    gpu_indices TEXT NOT NULL,          -- JSON array
                    infra TEXT NOT NULL,
                    node_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    exit_code INTEGER,
                    reason TEXT,
                    backend TEXT NOT NULL,
                    backend_state BLOB,                 -- backend-private JSON
                    created_at TEXT NOT NULL,           -- RFC 3339, UTC, microseconds
                    scheduled_at TEXT,
                    started_at TEXT,
                    ended_at TEXT,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX job_status ON job(status);
                CREATE INDEX job_created ON job(created_at);
                CREATE TABLE job_upload (
                    job_id TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    content BLOB NOT NULL,
                    PRIMARY KEY (job_id, position)
                );
                """)
        }
        migrator.registerMigration("monitoring-v1: what each finished job used") { db in
            try db.execute(sql: """
                CREATE TABLE job_usage (
                    job_id TEXT PRIMARY KEY NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    cpu_seconds REAL NOT NULL,
                    peak_memory_bytes INTEGER NOT NULL,
                    io_read_bytes INTEGER NOT NULL,
                    io_write_bytes INTEGER NOT NULL,
                    recorded_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("workflows-v1: workflows, their files and their jobs") { db in
            try db.execute(sql: JobStore.workflowsV1)
        }
        migrator.registerMigration("sandbox-v1: workspace_limit_mb column") { db in
            try db.execute(sql: "ALTER TABLE job ADD COLUMN workspace_limit_mb INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("networks-v1: networks, job addresses and volumes") { db in
            try db.execute(sql: JobStore.networksV1)
        }
        migrator.registerMigration("training-v1: training metrics, artifacts, artifact patterns") { db in
            try db.execute(sql: JobStore.trainingV1)
        }
        return migrator
    }
}
