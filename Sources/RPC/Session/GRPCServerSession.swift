import HTTP2
import TLS

/// gRPC over one HTTP/2 connection, sans-IO: plaintext bytes in (`receive`), plaintext bytes
/// out (`send(into:)`). It owns the HTTP/2 session, the calls, their handler tasks, deadlines,
/// resets and drain watching; the owner only moves bytes and asks it to flush.
///
/// Confined to its executor's thread; handlers reach it only through `executor.execute`,
/// hence `@unchecked Sendable`.
final class GRPCServerSession: @unchecked Sendable {
    let executor: any SessionExecutor
    let configuration: GRPCSessionConfiguration
    let peer: PeerIdentity?
    let remoteAddress: String
    let h2: HTTP2Session
    var streams = StreamTable<ServerStreamState>()
    var drainWatch: Set<HTTP2StreamID> = []
    /// Streams to reset once their status has been serialized (a reset submitted earlier
    /// would overtake the trailers in nghttp2's queue).
    var pendingResets: [HTTP2StreamID] = []
    private(set) var closed = false
    /// Asks the owner to call `send(into:)` soon (coalesced by the owner).
    let requestFlush: () -> Void

    init(executor: any SessionExecutor, configuration: GRPCSessionConfiguration, peer: PeerIdentity?,
         remoteAddress: String, requestFlush: @escaping () -> Void) throws {
        self.executor = executor
        self.configuration = configuration
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.requestFlush = requestFlush
        self.h2 = try HTTP2Session(role: .server, settings: configuration.http2)
    }

    /// Plaintext read from the peer. Returns false on an HTTP/2 protocol error: the session
    /// has queued its GOAWAY and the owner should flush, then close.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !closed else { return false }
        do {
            try h2.receive(bytes)
        } catch {
            configuration.logger.info("HTTP/2 protocol error", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
            h2.withEvents(handle)
            return false
        }
        h2.withEvents(handle)
        return true
    }

    /// Appends the plaintext the session wants to send now. Throws when HTTP/2 cannot frame
    /// (the owner closes the connection).
    func send(into buffer: inout [UInt8]) throws {
        guard !closed else { return }
        try h2.send(into: &buffer)
        h2.withEvents(handle)
        if !pendingResets.isEmpty {
            for id in pendingResets { try? h2.resetStream(id, errorCode: 0) }
            pendingResets.removeAll()
            requestFlush()
        }
    }

    /// True once HTTP/2 wants neither to read nor to write (after GOAWAY, with no calls left).
    var isFinished: Bool { !h2.wantsRead && !h2.wantsWrite }

    /// After a flush: tells waiting streaming handlers how far their streams have drained.
    func reportDrain() {
        guard !closed, !drainWatch.isEmpty else { return }
        for id in drainWatch {
            guard let st = streams[id], !st.finished else { drainWatch.remove(id); continue }
            let framed = st.submitted - h2.queuedOutboundBytes(stream: id)
            if !st.writer.reportFramed(framed) { drainWatch.remove(id) }
        }
    }

    /// Graceful shutdown: GOAWAY, let running calls finish; `isFinished` turns true when idle.
    func beginShutdown() {
        guard !closed else { return }
        try? h2.submitGoAway(errorCode: 0)
        requestFlush()
    }

    /// The connection is gone: every running call is cancelled with UNAVAILABLE.
    func close(reason: String) {
        guard !closed else { return }
        closed = true
        for st in streams.values where !st.finished {
            cancel(st, RPCError(.unavailable, "connection closed: \(reason)"))
        }
        streams.removeAll()
        drainWatch.removeAll()
        pendingResets.removeAll()
    }

    // MARK: HTTP/2 events

    private func handle(_ events: [HTTP2Event]) {
        for event in events {
            switch event {
            case .headers(let id, let headers, let endStream):
                if let st = streams[id] {
                    if endStream { endOfRequest(st) }
                } else {
                    startCall(id, headers, endStream: endStream)
                }
            case .data(let id, let bytes, let endStream):
                guard let st = streams[id], !st.finished, !st.requestEnded else { continue }
                receive(st, bytes)
                if endStream && !st.finished { endOfRequest(st) }
            case .streamClosed(let id, let code):
                if let st = streams.removeValue(forKey: id), !st.finished {
                    cancel(st, RPCError(.cancelled, code == 0 ? "stream closed" : "client cancelled the call (RST_STREAM \(code))"))
                }
                drainWatch.remove(id)
            case .headerListTooLarge(let id, let size, let limit):
                let error = RPCError(.resourceExhausted,
                                     "request header list is \(size) bytes, over this server's limit of \(limit) bytes "
                                     + "(HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE): send less metadata")
                if let st = streams[id] {
                    if !st.finished { fail(st, error) }
                } else {
                    trailersOnly(id, error)
                    pendingResets.append(id)
                }
            case .goAway, .outboundDrained:
                continue
            }
        }
    }
}
