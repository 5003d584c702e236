import Foundation
import JobletAPI

/// The human-readable answers of `run`, `status`, `stop`, `cancel`: `Key: value` lines.
public enum JobReport {
    public static func started(_ r: Joblet_RunJobResponse) -> String {
        var lines: [(String, String)] = [("ID", r.jobUuid), ("Command", CommandText.render(r.command, r.args)), ("Status", r.status)]
        if !r.scheduledTime.isEmpty { lines.append(("Scheduled", r.scheduledTime)) }
        if !r.startTime.isEmpty { lines.append(("StartTime", r.startTime)) }
        if r.maxCpu != 0 { lines.append(("MaxCPU", "\(r.maxCpu)")) }
        if !r.cpuCores.isEmpty { lines.append(("CPUCores", r.cpuCores)) }
        if r.maxMemory != 0 { lines.append(("MaxMemory", "\(r.maxMemory)")) }
        if r.maxIobps != 0 { lines.append(("MaxIOBPS", "\(r.maxIobps)")) }
        return (r.status == "SCHEDULED" ? "Job scheduled:\n" : "Job started:\n") + keyValues(lines)
    }

    /// Times as `rnx list` shows them (one time zone for both), with the zone named.
    static func time(_ text: String, _ timeZone: TimeZone) -> String {
        guard !text.isEmpty else { return "-" }
        let local = JobTable.localTime(text, timeZone: timeZone)
        guard local != text else { return text }
        return local + " " + (timeZone.abbreviation() ?? timeZone.identifier)
    }

    public static func status(_ s: Joblet_GetJobStatusRes, timeZone: TimeZone = .current, color: Bool = false) -> String {
        var lines: [(String, String)] = [("ID", s.uuid)]
        if !s.name.isEmpty { lines.append(("Name", s.name)) }
        lines += [("Command", CommandText.render(s.command, s.args)), ("Status", StatusColor.paint(s.status, enabled: color))]
        if !s.reason.isEmpty { lines.append(("Reason", s.reason)) }
        if !s.scheduledTime.isEmpty { lines.append(("Scheduled", time(s.scheduledTime, timeZone))) }
        lines += [("Started At", time(s.startTime, timeZone)), ("Ended At", time(s.endTime, timeZone))]
        if JobOutcome.isFinal(s.status) { lines.append(("Exit Code", "\(s.exitCode)")) }
        lines += [("Max CPU", s.maxCPU == 0 ? "default" : "\(s.maxCPU)%"),
                  ("Max Memory", s.maxMemory == 0 ? "default" : "\(s.maxMemory) MB"),
                  ("Max IOBPS", s.maxIOBPS == 0 ? "unlimited" : "\(s.maxIOBPS) B/s")]
        if !s.cpuCores.isEmpty { lines.append(("CPU Cores", s.cpuCores)) }
        if s.gpuCount != 0 { lines.append(("GPUs", "\(s.gpuCount)" + (s.gpuMemoryMb != 0 ? " (\(s.gpuMemoryMb) MB each)" : ""))) }
        if !s.workDir.isEmpty { lines.append(("Work Dir", s.workDir)) }
        if !s.uploads.isEmpty { lines.append(("Uploads", s.uploads.joined(separator: ", "))) }
        if !s.environment.isEmpty {
            lines.append(("Environment", s.environment.keys.sorted().map { "\($0)=\(s.environment[$0]!)" }.joined(separator: " ")))
        }
        if !s.secretEnvironment.isEmpty {
            lines.append(("Secret Environment", s.secretEnvironment.keys.sorted().map { "\($0)=***" }.joined(separator: " ")))
        }
        if !s.backend.isEmpty { lines.append(("Backend", s.backend)) }
        if !s.nodeId.isEmpty { lines.append(("Node", s.nodeId)) }
        lines += MonitorReport.usageLines(s.usage)
        lines += TrainingReport.statusLines(s)  // training (issue 19)
        return keyValues(lines)
    }

    public static func stopped(_ r: Joblet_StopJobRes) -> String {
        "Job stopped:\n" + keyValues([("ID", r.uuid), ("Status", r.status), ("ExitCode", "\(r.exitCode)"),
                                      ("EndTime", r.endTime.isEmpty ? "-" : r.endTime)])
    }

    public static func canceled(_ r: Joblet_CancelJobRes) -> String {
        "Job canceled:\n" + keyValues([("ID", r.uuid), ("Status", r.status)])
    }

    /// A status answer seen as a `Job`, so that one JSON shape serves `list` and `status`.
    static func job(from s: Joblet_GetJobStatusRes) -> Joblet_Job {
        var job = Joblet_Job()
        job.uuid = s.uuid; job.name = s.name; job.command = s.command; job.args = s.args
        job.maxCPU = s.maxCPU; job.cpuCores = s.cpuCores; job.maxMemory = s.maxMemory; job.maxIOBPS = s.maxIOBPS
        job.status = s.status; job.startTime = s.startTime; job.endTime = s.endTime; job.exitCode = s.exitCode
        job.scheduledTime = s.scheduledTime; job.runtime = s.runtime; job.environment = s.environment
        job.secretEnvironment = s.secretEnvironment; job.gpuIndices = s.gpuIndices; job.gpuCount = s.gpuCount
        job.gpuMemoryMb = s.gpuMemoryMb; job.nodeId = s.nodeId; job.reason = s.reason
        return job
    }

    static func keyValues(_ lines: [(String, String)]) -> String {
        let width = lines.map { $0.0.count }.max() ?? 0
        return lines.map { key, value in
            key + ":" + String(repeating: " ", count: width - key.count + 1) + value
        }.joined(separator: "\n") + "\n"
    }
}
