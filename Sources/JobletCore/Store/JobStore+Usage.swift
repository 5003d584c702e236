import Foundation
import GRDB

/// A finished job's totals (CPU seconds, peak memory, I/O), kept so that what it cost stays
/// visible after its cgroup is gone. One row per job, deleted with the job.
extension JobStore {
    public func recordFinalUsage(id: String, _ usage: JobUsage) throws {
        try write("storing usage of job \(id)") { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO job_usage (job_id, cpu_seconds, peak_memory_bytes, io_read_bytes, io_write_bytes, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, usage.cpuSeconds, usage.peakMemoryBytes, usage.ioReadBytes, usage.ioWriteBytes,
                                 RFC3339.format(usage.time)])
        }
    }

    public func finalUsage(id: String) throws -> JobUsage? {
        try read("reading usage of job \(id)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job_usage WHERE job_id = ?", arguments: [id]) else {
                return nil
            }
            return JobUsage(time: RFC3339.parse(row["recorded_at"]) ?? Date(), cpuSeconds: row["cpu_seconds"],
                            memoryBytes: 0, peakMemoryBytes: row["peak_memory_bytes"], ioReadBytes: row["io_read_bytes"],
                            ioWriteBytes: row["io_write_bytes"], pids: 0)
        }
    }
}

/// Cheap queries for /metrics: counts and ids, without decoding jobs.
extension JobStore {
    public func countsByStatus() throws -> [JobStatus: Int] {
        try read("counting jobs") { db in
            var r: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM job GROUP BY status") {
                if let s = JobStatus(rawValue: row["status"]) { r[s] = row["n"] }
            }
            return r
        }
    }

    public func activeJobs() throws -> [ActiveJob] {
        let active = JobStatus.allCases.filter { !$0.isFinal }.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try read("listing active jobs") { db in
            try Row.fetchAll(db, sql: "SELECT id, backend, status FROM job WHERE status IN (\(active))").compactMap { row in
                JobStatus(rawValue: row["status"]).map { ActiveJob(id: row["id"], backend: row["backend"], status: $0) }
            }
        }
    }
}
