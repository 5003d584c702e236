import Foundation

/// Training metrics (issue 19): what the collector read, told to subscribers (WatchJobs), and
/// the job's metrics file as its backend opens it.
extension JobEngine {
    func announceTraining(_ id: String, _ samples: [TrainingMetricSample]) {
        for sample in samples { publish(.trainingMetric(jobID: id, sample)) }
    }

    func announceTrainingComplete(_ id: String) {
        publish(.trainingMetricsComplete(jobID: id))
    }

    /// The backend called `name`, if configured (ListArtifacts asks the SkyPilot one for its store).
    public nonisolated func backend(named name: String) -> (any JobBackend)? {
        backends.first { $0.name == name }
    }

    nonisolated func trainingMetricsFilePath(of job: Job) -> String? {
        backends.first { $0.name == job.backend }?.trainingMetricsFilePath(jobID: job.id)
    }

    nonisolated func openTrainingMetricsFile(of job: Job) -> FileHandle? {
        backends.first { $0.name == job.backend }?.openTrainingMetricsFile(jobID: job.id)
    }
}
