import JobletAPI
import JobletCore

/// The monitoring feature's part of job answers: the node id on every job, and GetJobStatus's
/// latest usage sample (extension field 110).
extension JobService {
    func withNode(_ j: Job) -> Joblet_Job {
        var r = JobMapping.job(j)
        if r.nodeId.isEmpty { r.nodeId = nodeID }
        return r
    }

    func withMonitoring(_ j: Job) -> Joblet_GetJobStatusRes {
        var r = JobMapping.status(j)
        if r.nodeId.isEmpty { r.nodeId = nodeID }
        if let usage, let reading = usage.reading(of: j) {
            r.usage = MonitoringMapping.jobSample(j, reading)
        }
        return r
    }
}
