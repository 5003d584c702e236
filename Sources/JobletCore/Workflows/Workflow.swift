import Foundation

/// A stored workflow with its job counts, as listings show it.
public struct Workflow: Sendable, Hashable, Identifiable {
    /// A lower-case UUID.
    public var id: String
    public var name: String
    public var description: String
    public var yaml: String
    public var status: WorkflowStatus
    /// Why it ended as it did ("job 'a' FAILED (exit 3)", "stopped by request").
    public var reason: String?
    public var stopRequested: Bool
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var totalJobs: Int
    public var completedJobs: Int
    public var failedJobs: Int
    /// CANCELED and STOPPED jobs.
    public var canceledJobs: Int
}

/// One job of a stored workflow, whether it has started or not.
public struct WorkflowJobRecord: Sendable, Hashable {
    /// The job's UUID, chosen when the workflow was stored; a job by this id exists once started.
    public var jobID: String
    public var name: String
    public var dependencies: [String]
    public var requirements: [WorkflowRequirement]
    /// Whether the job was handed to the job engine (a job record exists).
    public var started: Bool
    /// The job's status once started; before, PENDING, or CANCELED / FAILED when it ended
    /// without starting.
    public var status: JobStatus
    public var exitCode: Int32?
    public var reason: String?
    public var startedAt: Date?
    public var endedAt: Date?
}
