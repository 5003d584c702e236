import Foundation
import GRDB

/// The mapping between `Job` and the `job` table's columns, in one place.
enum JobColumns {
    static let insertSQL = """
        INSERT INTO job (id, name, command, args, max_cpu, cpu_cores, max_memory_mb, max_iobps, max_pids,
            environment, uploads, work_dir, network, volumes, runtime, gpu_count, gpu_memory_mb, gpu_indices,
            infra, node_id, status, exit_code, reason, backend, backend_state, created_at, scheduled_at,
            started_at, ended_at, updated_at, secret_environment)
        VALUES (\(databaseQuestionMarks(count: 31)))
        """

    /// Every insert argument but the last (`secret_environment`), in `insertSQL`'s order.
    static func arguments(for job: Job) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            job.id, job.name, job.command, json(job.args), job.limits.maxCPU, job.limits.cpuCores,
            job.limits.maxMemoryMB, job.limits.maxIOBPS, job.limits.maxPIDs, json(job.environment),
            json(job.uploads), job.workDir, job.network, json(job.volumes), job.runtime, job.gpuCount,
            job.gpuMemoryMB, json(job.gpuIndices), job.infra, job.nodeID, job.status.rawValue,
            job.exitCode.map { Int64($0) }, job.reason, job.backend, job.backendState,
            RFC3339.format(job.createdAt), job.scheduledAt.map(RFC3339.format), job.startedAt.map(RFC3339.format),
            job.endedAt.map(RFC3339.format), RFC3339.format(job.updatedAt),
        ]
        return StatementArguments(values)
    }

    static func job(from row: Row) throws -> Job {
        let statusText: String = row["status"]
        guard let status = JobStatus(rawValue: statusText) else {
            throw JobletError.internal("job \(row["id"] as String? ?? "?") has unknown status '\(statusText)' in the database")
        }
        let secrets = try decode([String: String].self, row["secret_environment"])
        let exitCode: Int64? = row["exit_code"]
        return Job(
            id: row["id"], name: row["name"], command: row["command"], args: try decode([String].self, row["args"]),
            limits: ResourceLimits(maxCPU: row["max_cpu"], cpuCores: row["cpu_cores"],
                                   maxMemoryMB: row["max_memory_mb"], maxIOBPS: row["max_iobps"],
                                   maxPIDs: row["max_pids"]),
            environment: try decode([String: String].self, row["environment"]),
            maskedSecretEnvironment: secrets.mapValues { _ in Job.secretMask },
            uploads: try decode([UploadInfo].self, row["uploads"]), workDir: row["work_dir"],
            network: row["network"], volumes: try decode([String].self, row["volumes"]), runtime: row["runtime"],
            gpuCount: row["gpu_count"], gpuMemoryMB: row["gpu_memory_mb"],
            gpuIndices: try decode([Int].self, row["gpu_indices"]), infra: row["infra"], nodeID: row["node_id"],
            status: status, exitCode: exitCode.map { Int32(truncatingIfNeeded: $0) }, reason: row["reason"],
            backend: row["backend"], backendState: row["backend_state"],
            createdAt: try date(row["created_at"]), scheduledAt: try optionalDate(row["scheduled_at"]),
            startedAt: try optionalDate(row["started_at"]), endedAt: try optionalDate(row["ended_at"]),
            updatedAt: try date(row["updated_at"]))
    }

    static func json<T: Encodable>(_ value: T) -> String {
        if let empty = T.self as? any EmptyJSONColumn.Type, let collection = value as? any Collection, collection.isEmpty {
            return empty.emptyJSON
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding [String], [String: String], [Int] and UploadInfo cannot fail.
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T {
        guard let text else { throw JobletError.internal("missing JSON column for \(T.self)") }
        // Most jobs have no uploads, volumes, GPUs or secrets: skip the decoder for those.
        if let empty = T.self as? any EmptyJSONColumn.Type, text == empty.emptyJSON, let value = empty.init() as? T {
            return value
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw JobletError.internal("corrupt JSON column for \(T.self): \(error)")
        }
    }

    private static func date(_ text: String?) throws -> Date {
        guard let text, let date = RFC3339.parse(text) else {
            throw JobletError.internal("corrupt timestamp '\(text ?? "NULL")' in the job database")
        }
        return date
    }

    private static func optionalDate(_ text: String?) throws -> Date? {
        guard let text else { return nil }
        return try date(text)
    }
}

/// A column type whose empty value is stored as a fixed JSON text.
protocol EmptyJSONColumn {
    init()
    static var emptyJSON: String { get }
}

extension Array: EmptyJSONColumn {
    static var emptyJSON: String { "[]" }
}

extension Dictionary: EmptyJSONColumn {
    static var emptyJSON: String { "{}" }
}
