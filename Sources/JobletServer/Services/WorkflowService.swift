import Foundation
import JobletAPI
import JobletCore
import RPC

/// The workflow methods of `joblet.JobService` (RunWorkflow, GetWorkflowStatus, ListWorkflows,
/// GetWorkflowJobs, and our StopWorkflow): thin translations onto `WorkflowEngine`.
public struct WorkflowService: Sendable {
    let engine: WorkflowEngine

    public init(engine: WorkflowEngine) {
        self.engine = engine
    }

    public func register(on router: RPCRouter) {
        let engine = self.engine
        let m = Joblet_JobService.Method.self
        router.unary(m.runWorkflow, Joblet_RunWorkflowRequest.self) { req, _ in
            try await JobService.translating {
                let files = req.workflowFiles.map {
                    FileUpload(path: $0.path, content: $0.content, mode: $0.mode, isDirectory: $0.isDirectory)
                }
                let w = try await engine.submit(yaml: req.yamlContent, files: files, name: req.workflow)
                var r = Joblet_RunWorkflowResponse()
                r.workflowUuid = w.id
                r.status = w.status.rawValue
                return r
            }
        }
        router.unary(m.getWorkflowStatus, Joblet_GetWorkflowStatusRequest.self) { req, _ in
            try await JobService.translating {
                let w = try engine.workflow(req.workflowUuid)
                var r = Joblet_GetWorkflowStatusResponse()
                r.workflow = WorkflowMapping.info(w, withYAML: true)
                r.jobs = try engine.jobRecords(of: w.id).map(WorkflowMapping.job)
                return r
            }
        }
        router.unary(m.listWorkflows, Joblet_ListWorkflowsRequest.self) { req, _ in
            try await JobService.translating {
                var r = Joblet_ListWorkflowsResponse()
                r.workflows = try engine.list(includeCompleted: req.includeCompleted).map { WorkflowMapping.info($0, withYAML: false) }
                return r
            }
        }
        router.unary(m.getWorkflowJobs, Joblet_GetWorkflowJobsRequest.self) { req, _ in
            try await JobService.translating {
                let w = try engine.workflow(req.workflowUuid)
                var r = Joblet_GetWorkflowJobsResponse()
                r.jobs = try engine.jobRecords(of: w.id).map(WorkflowMapping.job)
                return r
            }
        }
        router.unary(m.stopWorkflow, Joblet_StopWorkflowRequest.self) { req, _ in
            try await JobService.translating {
                let w = try await engine.stop(req.workflowUuid)
                var r = Joblet_StopWorkflowResponse()
                r.workflowUuid = w.id
                r.status = w.status.rawValue
                return r
            }
        }
    }
}

/// Proto ⇄ domain translation for workflows.
enum WorkflowMapping {
    static func timestamp(_ date: Date?) -> Joblet_Timestamp {
        var t = Joblet_Timestamp()
        guard let date else { return t }
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        t.seconds = Int64(seconds)
        t.nanos = Int32(((interval - seconds) * 1e9).rounded())
        return t
    }

    static func info(_ w: Workflow, withYAML: Bool) -> Joblet_WorkflowInfo {
        var r = Joblet_WorkflowInfo()
        r.uuid = w.id
        r.workflow = w.name
        r.status = w.status.rawValue
        r.totalJobs = Int32(clamping: w.totalJobs)
        r.completedJobs = Int32(clamping: w.completedJobs)
        r.failedJobs = Int32(clamping: w.failedJobs)
        r.canceledJobs = Int32(clamping: w.canceledJobs)
        r.createdAt = timestamp(w.createdAt)
        if let s = w.startedAt { r.startedAt = timestamp(s) }
        if let c = w.completedAt { r.completedAt = timestamp(c) }
        if withYAML { r.yamlContent = w.yaml }
        r.reason = w.reason ?? ""
        return r
    }

    /// `jobUuid` is "0" for a job that has not started (Joblet's convention).
    static func job(_ j: WorkflowJobRecord) -> Joblet_WorkflowJob {
        var r = Joblet_WorkflowJob()
        r.jobUuid = j.started ? j.jobID : "0"
        r.jobName = j.name
        r.status = j.status.rawValue
        r.dependencies = j.dependencies
        if let s = j.startedAt { r.startTime = timestamp(s) }
        if let e = j.endedAt { r.endTime = timestamp(e) }
        r.exitCode = j.exitCode ?? 0
        r.reason = j.reason ?? ""
        return r
    }
}
