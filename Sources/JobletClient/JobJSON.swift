import Foundation
import JobletAPI

/// `rnx list --json` and `rnx status --json`: snake_case keys, sorted, pretty-printed.
public enum JobJSON {
    struct Entry: Encodable {
        var id, name, command, status, start_time, end_time, scheduled_time, cpu_cores, runtime, node_id, reason: String
        var args: [String]
        var max_cpu, max_memory, max_iobps, exit_code, gpu_count, gpu_memory_mb: Int32
        var environment, secret_environment: [String: String]
    }

    static func entry(_ job: Joblet_Job) -> Entry {
        Entry(id: job.uuid, name: job.name, command: job.command, status: job.status, start_time: job.startTime,
              end_time: job.endTime, scheduled_time: job.scheduledTime, cpu_cores: job.cpuCores, runtime: job.runtime,
              node_id: job.nodeId, reason: job.reason, args: job.args, max_cpu: job.maxCPU, max_memory: job.maxMemory,
              max_iobps: job.maxIOBPS, exit_code: job.exitCode, gpu_count: job.gpuCount, gpu_memory_mb: job.gpuMemoryMb,
              environment: job.environment, secret_environment: masked(job.secretEnvironment))
    }

    /// The server already masks secret values; rnx masks them again rather than trust that.
    static func masked(_ secrets: [String: String]) -> [String: String] { secrets.mapValues { _ in "***" } }

    public static func render(_ jobs: [Joblet_Job]) -> String { encode(jobs.map(entry)) }

    public static func render(_ status: Joblet_GetJobStatusRes) -> String { encode(entry(JobReport.job(from: status))) }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "[]\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
