import Foundation
import JobletAPI

/// `rnx workflow status|list`: tables and `--json`.
public enum WorkflowReport {
    public static let jobHeaders = ["JOB ID", "NAME", "STATUS", "EXIT", "DEPENDENCIES"]

    /// The workflow's header lines, then one row per job: JOB ID ("-" until it starts), NAME,
    /// STATUS, EXIT ("-" until it ends), DEPENDENCIES; then the reasons of jobs that did not run.
    public static func status(_ s: Joblet_GetWorkflowStatusResponse) -> String {
        let w = s.workflow ?? Joblet_WorkflowInfo()
        var out = "Workflow: \(w.uuid)\nName: \(w.workflow)\nStatus: \(w.status)\n"
        out += "Jobs: \(w.totalJobs) total, \(w.completedJobs) completed, \(w.failedJobs) failed, \(w.canceledJobs) canceled\n"
        if !w.reason.isEmpty, ["COMPLETED", "FAILED", "STOPPED"].contains(w.status) { out += "Reason: \(w.reason)\n" }
        out += "\n"
        let rows = s.jobs.map { j -> [String] in
            [j.jobUuid == "0" || j.jobUuid.isEmpty ? "-" : j.jobUuid,
             j.jobName,
             j.status,
             ended(j) ? String(j.exitCode) : "-",
             j.dependencies.isEmpty ? "-" : j.dependencies.joined(separator: ",")]
        }
        out += JobTable.align([jobHeaders] + rows)
        let notRun = s.jobs.filter { $0.jobUuid == "0" && !$0.reason.isEmpty }
        if !notRun.isEmpty {
            out += "\n" + notRun.map { "\($0.jobName): \($0.reason)" }.joined(separator: "\n") + "\n"
        }
        return out
    }

    public static func list(_ workflows: [Joblet_WorkflowInfo]) -> String {
        let rows = workflows.map { w -> [String] in
            [JobTable.shortID(w.uuid), w.workflow, w.status, "\(w.completedJobs)/\(w.totalJobs)", time(w.createdAt)]
        }
        return JobTable.align([["ID", "NAME", "STATUS", "COMPLETED", "CREATED"]] + rows)
    }

    public static func isFinal(_ status: String) -> Bool {
        ["COMPLETED", "FAILED", "STOPPED"].contains(status)
    }

    static func ended(_ j: Joblet_WorkflowJob) -> Bool {
        j.jobUuid != "0" && ["COMPLETED", "FAILED", "STOPPED"].contains(j.status)
    }

    static func time(_ t: Joblet_Timestamp?) -> String {
        guard let t, t.seconds != 0 else { return "-" }
        let date = Date(timeIntervalSince1970: Double(t.seconds) + Double(t.nanos) / 1e9)
        return JobTable.localTime(RFC3339.format(date), timeZone: .current)
    }

    // MARK: JSON

    struct JobEntry: Encodable {
        var job_id, name, status, reason: String
        var exit_code: Int32?
        var dependencies: [String]
        var start_time, end_time: String?
    }

    struct WorkflowEntry: Encodable {
        var id, name, status, reason: String
        var total_jobs, completed_jobs, failed_jobs, canceled_jobs: Int32
        var created_at, started_at, completed_at: String?
        var jobs: [JobEntry]?
    }

    static func isoTime(_ t: Joblet_Timestamp?) -> String? {
        guard let t, t.seconds != 0 else { return nil }
        return RFC3339.format(Date(timeIntervalSince1970: Double(t.seconds) + Double(t.nanos) / 1e9))
    }

    static func entry(_ w: Joblet_WorkflowInfo, jobs: [Joblet_WorkflowJob]?) -> WorkflowEntry {
        WorkflowEntry(id: w.uuid, name: w.workflow, status: w.status, reason: w.reason, total_jobs: w.totalJobs,
                      completed_jobs: w.completedJobs, failed_jobs: w.failedJobs, canceled_jobs: w.canceledJobs,
                      created_at: isoTime(w.createdAt), started_at: isoTime(w.startedAt),
                      completed_at: isoTime(w.completedAt),
                      jobs: jobs?.map { j in
                          JobEntry(job_id: j.jobUuid, name: j.jobName, status: j.status, reason: j.reason,
                                   exit_code: ended(j) ? j.exitCode : nil, dependencies: j.dependencies,
                                   start_time: isoTime(j.startTime), end_time: isoTime(j.endTime))
                      })
    }

    public static func statusJSON(_ s: Joblet_GetWorkflowStatusResponse) -> String {
        JobJSON.encode(entry(s.workflow ?? Joblet_WorkflowInfo(), jobs: s.jobs))
    }

    /// `{"status": …, "workflow_id": …}` for run and stop.
    public static func summaryJSON(id: String, status: String) -> String {
        JobJSON.encode(["workflow_id": id, "status": status])
    }

    public static func listJSON(_ workflows: [Joblet_WorkflowInfo]) -> String {
        JobJSON.encode(workflows.map { entry($0, jobs: nil) })
    }
}
