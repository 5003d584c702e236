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

    func stream<Req: ProtoMessage, Resp: ProtoMessage>(_ method: MethodDescriptor, _ request: Req,
                                                       _ type: Resp.Type) async throws -> AsyncThrowingStream<Resp, Error> {
        let call: StreamingCall<Req, Resp>
        do {
            call = try await channel.serverStreaming(method, request)
        } catch let error as RPCError {
            throw JobletClientError(rpc: error, path: method.path, server: settings.address)
        }
        let address = settings.address
        return AsyncThrowingStream { continuation in
            let reader = Task {
                do {
                    for try await message in call.responses { continuation.yield(message) }
                    if let status = call.status, status.code != .ok { throw status }
                    continuation.finish()
                } catch let error as RPCError {
                    continuation.finish(throwing: JobletClientError(rpc: error, path: method.path, server: address))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                reader.cancel()
                call.cancel()
            }
        }
    }
}
