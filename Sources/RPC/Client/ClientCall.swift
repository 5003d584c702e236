import Synchronization
import HTTP2

/// One call from the client's side. The loop pushes response messages and the status in;
/// the caller's task reads them. State behind one lock.
final class ClientCall: Sendable {
    let responses: AsyncThrowingStream<[UInt8], Error>
    let continuation: AsyncThrowingStream<[UInt8], Error>.Continuation
    private struct State {
        var initialMetadata: Metadata?
        var trailingMetadata = Metadata()
        var status: RPCError?       // code .ok for success
        var headersWaiters: [CheckedContinuation<Metadata, Never>] = []
    }
    private let state = Mutex(State())

    init() {
        (responses, continuation) = AsyncThrowingStream<[UInt8], Error>.makeStream()
    }

    func receivedHeaders(_ metadata: Metadata) {
        let waiters = state.withLock { s -> [CheckedContinuation<Metadata, Never>] in
            s.initialMetadata = metadata
            defer { s.headersWaiters = [] }
            return s.headersWaiters
        }
        for w in waiters { w.resume(returning: metadata) }
    }

    /// The call ended: `status.code == .ok` finishes the response stream normally.
    func finished(_ status: RPCError) {
        let waiters = state.withLock { s -> [CheckedContinuation<Metadata, Never>]? in
            guard s.status == nil else { return nil }
            s.status = status
            s.trailingMetadata = status.trailingMetadata
            if s.initialMetadata == nil { s.initialMetadata = Metadata() }
            defer { s.headersWaiters = [] }
            return s.headersWaiters
        }
        guard let waiters else { return }
        for w in waiters { w.resume(returning: Metadata()) }
        if status.code == .ok { continuation.finish() } else { continuation.finish(throwing: status) }
    }

    var status: RPCError? { state.withLock { $0.status } }
    var trailingMetadata: Metadata { state.withLock { $0.trailingMetadata } }

    func initialMetadata() async -> Metadata {
        await withCheckedContinuation { cont in
            let ready = state.withLock { s -> Metadata? in
                if let m = s.initialMetadata { return m }
                s.headersWaiters.append(cont)
                return nil
            }
            if let ready { cont.resume(returning: ready) }
        }
    }
}
