import JobletAPI
import ProtoWire
import RPC

extension JobletClient {
    /// A server-streaming call's messages; every failure a `JobletClientError`. Ending the
    /// iteration early (or cancelling the task) cancels the call.
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
