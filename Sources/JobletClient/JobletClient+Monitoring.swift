import JobletAPI
import ProtoWire
import RPC

/// `joblet.MonitoringService`: the host's status and metrics, and a job's resource usage.
extension JobletClient {
    public func systemStatus() async throws -> Joblet_SystemStatusRes {
        try await unary(Joblet_MonitoringService.Method.getSystemStatus, Joblet_EmptyRequest())
    }

    public func jobMetrics(id: String) async throws -> Joblet_JobMetricsSample {
        var request = Joblet_JobMetricsReq()
        request.uuid = id
        return try await unary(Joblet_MonitoringService.Method.getJobMetrics, request)
    }

    /// A sample every `intervalSeconds` until the caller stops iterating (or the server ends the stream).
    public func systemMetrics(intervalSeconds: Int, types: [String] = []) async throws -> AsyncThrowingStream<Joblet_SystemMetricsRes, Error> {
        var request = Joblet_StreamMetricsReq()
        request.intervalSeconds = Int32(clamping: intervalSeconds)
        request.metricTypes = types
        return try await stream(Joblet_MonitoringService.Method.streamSystemMetrics, request, Joblet_SystemMetricsRes.self)
    }

    /// Samples until the job ends (the last one has `final` set).
    public func jobMetricsStream(id: String, intervalSeconds: Int) async throws -> AsyncThrowingStream<Joblet_JobMetricsSample, Error> {
        var request = Joblet_JobMetricsReq()
        request.uuid = id
        request.intervalSeconds = Int32(clamping: intervalSeconds)
        return try await stream(Joblet_MonitoringService.Method.streamJobMetrics, request, Joblet_JobMetricsSample.self)
    }
}
