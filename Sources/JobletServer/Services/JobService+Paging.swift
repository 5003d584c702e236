import JobletAPI
import JobletCore
import RPC

/// ListJobsPage (a jobletd addition): ListJobs a page at a time, for servers whose job list has
/// outgrown one message.
extension JobService {
    func registerPaging(on router: RPCRouter) {
        router.unary(Joblet_JobService.Method.listJobsPage, Joblet_ListJobsPageRequest.self) { [engine, self] req, _ in
            try await JobService.translating {
                let page = try engine.store.page(after: try Self.cursor(req.pageToken), limit: try Self.pageSize(req.pageSize),
                                                 statuses: try Self.statuses(req.statuses))
                let members = try engine.store.workflowMembership(jobIDs: page.jobs.map(\.id))
                var r = Joblet_JobsPage()
                r.jobs = page.jobs.map { j in
                    var job = withNode(j)
                    if let member = members[j.id] {
                        job.workflowUuid = member.workflowID
                        job.dependencies = member.dependencies
                    }
                    return job
                }
                r.nextPageToken = page.next?.token ?? ""
                r.totalCount = Int64(page.total)
                return r
            }
        }
    }

    static func pageSize(_ requested: Int32) throws -> Int {
        if requested == 0 { return JobStore.defaultPageSize }
        guard requested > 0, requested <= JobStore.maxPageSize else {
            throw JobletError.invalidArgument("page_size \(requested) is out of range: give 1 to \(JobStore.maxPageSize), or 0 for \(JobStore.defaultPageSize)")
        }
        return Int(requested)
    }

    static func cursor(_ token: String) throws -> JobPageCursor? {
        if token.isEmpty { return nil }
        guard let cursor = JobPageCursor(token: token) else {
            throw JobletError.invalidArgument("page_token is not one this server gave out: pass next_page_token from the previous page, or nothing for the first page")
        }
        return cursor
    }

    static func statuses(_ names: [String]) throws -> Set<JobStatus> {
        try Set(names.map { name in
            guard let status = JobStatus(rawValue: name.uppercased()) else {
                let known = JobStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw JobletError.invalidArgument("unknown job status '\(name)' in statuses: use one of \(known)")
            }
            return status
        })
    }
}
