/// What subscribers of `JobEngine.events()` hear, in the order it was stored.
public enum JobEvent: Sendable, Hashable {
    case created(Job)
    case transitioned(Job, from: JobStatus)
    case deleted(id: String)
    /// A training metrics record the job reported (training, issue 19).
    case trainingMetric(jobID: String, TrainingMetricSample)
    /// The training metrics collector has read everything a final job wrote: nothing more of it follows.
    case trainingMetricsComplete(jobID: String)

    public var jobID: String {
        switch self {
        case .created(let job), .transitioned(let job, _): return job.id
        case .deleted(let id), .trainingMetric(let id, _), .trainingMetricsComplete(let id): return id
        }
    }
}
