import JobletAPI
import JobletCore
import RPC

/// Training metrics (issue 19): the latest values in GetJobStatus (extension field 230) and the
/// history through GetTrainingMetrics.
extension JobService {
    func withTraining(_ r: inout Joblet_GetJobStatusRes, _ j: Job) throws {
        if let summary = try engine.store.trainingSummary(id: j.id) { r.training = TrainingMapping.summary(summary) }
        r.artifacts = try engine.store.artifactPatterns(id: j.id)
    }

    func registerTraining(on router: RPCRouter) {
        let engine = self.engine
        router.unary(Joblet_JobService.Method.getTrainingMetrics, Joblet_TrainingMetricsReq.self) { req, _ in
            try await JobService.translating {
                guard req.limit >= 0 else {
                    throw JobletError.invalidArgument("limit \(req.limit) is negative: give 0 for every sample or N for the last N")
                }
                let job = try engine.job(req.uuid)
                var r = Joblet_TrainingMetricsRes()
                r.uuid = job.id
                r.samples = try engine.store.trainingSamples(id: job.id, limit: Int(req.limit)).map(TrainingMapping.sample)
                if let summary = try engine.store.trainingSummary(id: job.id) { r.summary = TrainingMapping.summary(summary) }
                return r
            }
        }
    }
}
