import Synchronization
import HTTP2
import ProtoWire

/// The handler's side of a call's response. It hands framed messages to the session's
/// executor and suspends the sender while more than `highWater` bytes of this stream are unsent.
/// State sits behind one lock (`gate`); the loop reports how far the stream has drained.
final class ResponseWriter: Sendable {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private struct Gate {
        var posted = 0            // bytes handed to the loop
        var framed = 0            // bytes the HTTP/2 session has turned into frames
        var waiter: CheckedContinuation<Void, Error>?
        var cancelled: RPCError?
        var headersSent = false
        var deferred: [UInt8]? = nil
    }

    let executor: any SessionExecutor
    let session: GRPCServerSession
    let stream: HTTP2StreamID
    let context: ServerContext
    /// Unary responses wait for the status so headers, message and trailers leave in one write.
    let defersSingleResponse: Bool
    private let gate = Mutex(Gate())

    init(executor: any SessionExecutor, session: GRPCServerSession, stream: HTTP2StreamID, context: ServerContext,
         defersSingleResponse: Bool) {
        self.executor = executor
        self.session = session
        self.stream = stream
        self.context = context
        self.defersSingleResponse = defersSingleResponse
    }

    func send<M: ProtoMessage>(_ message: M) async throws {
        if let error = gate.withLock({ $0.cancelled }) { throw error }
        // Each message carries its own flag; the headers announce gzip whenever it may be used.
        let compress = context.announcesGzipResponses && context.compressResponses
        let announce = context.announcesGzipResponses
        let framed = compress ? MessageFramer.frame(try Gzip.compress(message.serializedBytes()), compressed: true)
                              : MessageFramer.frame(message: message)
        if defersSingleResponse {
            gate.withLock { $0.deferred = framed }
            return
        }
        let (sendHeaders, mustWait) = gate.withLock { g -> (Bool, Bool) in
            g.posted += framed.count
            let first = !g.headersSent
            g.headersSent = true
            return (first, g.posted - g.framed > ResponseWriter.highWater)
        }
        let headers = sendHeaders ? context.initialMetadata : nil
        let session = self.session, stream = self.stream
        // An `.eventLoop` handler is on the session's thread already (and every call of this
        // writer is, so order is kept): no mailbox round trip.
        if executor.isCurrent {
            session.sendMessage(stream: stream, framed: framed, initialMetadata: headers, compressed: announce)
        } else {
            executor.execute {
                session.sendMessage(stream: stream, framed: framed, initialMetadata: headers, compressed: announce)
            }
        }
        if mustWait { try await waitForDrain() }
    }

    /// Ends the call: headers (if none went yet), any deferred message, then the status.
    func finish(_ error: RPCError?) {
        let (deferred, headersSent) = gate.withLock { g -> ([UInt8]?, Bool) in
            let d = g.deferred
            g.deferred = nil
            let sent = g.headersSent
            g.headersSent = true
            return (d, sent)
        }
        let compressed = context.announcesGzipResponses
        let initial: Metadata? = headersSent ? nil : context.initialMetadata
        var trailing = context.trailingMetadata
        if let error { trailing.append(contentsOf: error.trailingMetadata) }
        let status = error?.code ?? .ok
        let message = error?.message ?? ""
        let session = self.session, stream = self.stream, trailers = trailing
        if executor.isCurrent {
            session.finishStream(stream: stream, initialMetadata: initial, deferred: deferred, compressed: compressed,
                                 status: status, message: message, trailingMetadata: trailers)
        } else {
            executor.execute {
                session.finishStream(stream: stream, initialMetadata: initial, deferred: deferred, compressed: compressed,
                                     status: status, message: message, trailingMetadata: trailers)
            }
        }
    }

    private func waitForDrain() async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
            let outcome = gate.withLock { g -> Result<Bool, RPCError> in
                if let error = g.cancelled { return .failure(error) }
                if g.posted - g.framed <= ResponseWriter.lowWater { return .success(true) }
                g.waiter = cont
                return .success(false)
            }
            switch outcome {
            case .failure(let e): cont.resume(throwing: e)
            case .success(true): cont.resume()
            case .success(false):
                let session = self.session, stream = self.stream
                if executor.isCurrent {
                    session.watchDrain(stream: stream)
                } else {
                    executor.execute { session.watchDrain(stream: stream) }
                }
            }
        }
    }

    /// Loop side: the session has framed `framed` bytes of this stream in all.
    /// Returns true while the writer still waits.
    func reportFramed(_ framed: Int) -> Bool {
        let resume = gate.withLock { g -> CheckedContinuation<Void, Error>? in
            g.framed = framed
            guard g.posted - g.framed <= ResponseWriter.lowWater, let w = g.waiter else { return nil }
            g.waiter = nil
            return w
        }
        resume?.resume()
        return resume == nil && gate.withLock { $0.waiter != nil }
    }

    func cancel(_ error: RPCError) {
        let waiter = gate.withLock { g -> CheckedContinuation<Void, Error>? in
            if g.cancelled == nil { g.cancelled = error }
            let w = g.waiter
            g.waiter = nil
            return w
        }
        waiter?.resume(throwing: error)
    }
}
