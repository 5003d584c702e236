import JobletAPI

/// The workflow methods of JobService, plus jobletd's StopWorkflow.
extension JobletClient {
    public func runWorkflow(_ request: Joblet_RunWorkflowRequest) async throws -> Joblet_RunWorkflowResponse {
        try await unary(Joblet_JobService.Method.runWorkflow, request)
    }

    public func workflowStatus(id: String) async throws -> Joblet_GetWorkflowStatusResponse {
        var request = Joblet_GetWorkflowStatusRequest()
        request.workflowUuid = id
        return try await unary(Joblet_JobService.Method.getWorkflowStatus, request)
    }

    public func listWorkflows(includeCompleted: Bool) async throws -> [Joblet_WorkflowInfo] {
        var request = Joblet_ListWorkflowsRequest()
        request.includeCompleted = includeCompleted
        let response: Joblet_ListWorkflowsResponse = try await unary(Joblet_JobService.Method.listWorkflows, request)
        return response.workflows
    }

    public func stopWorkflow(id: String) async throws -> Joblet_StopWorkflowResponse {
        var request = Joblet_StopWorkflowRequest()
        request.workflowUuid = id
        return try await unary(Joblet_JobService.Method.stopWorkflow, request)
    }
}
