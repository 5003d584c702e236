internal import CNghttp2

/// One HTTP/2 connection as an `nghttp2_session`, sans-IO: bytes in with `receive`, events out with
/// `takeEvents`, frames out with `send(into:)`.
///
/// Not thread-safe: one connection, one thread at a time. nghttp2's callbacks only record events and
/// copy bytes out; the caller reacts after `receive()` returns, so nothing re-enters the session.
///
/// Inbound flow control is automatic: nghttp2 sends WINDOW_UPDATE as DATA arrives, so a slow
/// consumer must apply back-pressure above this layer (stop reading the socket).
public final class HTTP2Session {
    public enum Role: Sendable, Hashable { case server, client }

    public let role: Role
    public let settings: HTTP2Settings
    let session: OpaquePointer

    var events: [HTTP2Event] = []
    /// An emptied event buffer kept for reuse by `withEvents` (one allocation less per batch).
    private var spareEvents: [HTTP2Event] = []
    /// The header block being received. HTTP/2 never interleaves header blocks (HEADERS and its
    /// CONTINUATIONs arrive back to back, RFC 9113 §4.3), so one is enough; appending to it in
    /// place keeps a block at one allocation instead of a copy of the list per field.
    var inboundBlock = InboundHeaderBlock()
    /// The DATA frame arriving now (frames never interleave): its stream and payload so far,
    /// handed out whole at the end of the frame.
    var inboundDataStream: HTTP2StreamID = 0
    var inboundData: [UInt8] = []
    var headerCache = HeaderCache()
    /// Every open stream's outbound DATA; also the registry of which streams are open.
    var outbound = StreamTable<OutboundQueue>()
    /// Queues of closed streams, reset, for reuse.
    var spareQueues: [OutboundQueue] = []
    /// Frames pulled out of nghttp2 during `receive()`, to be handed out by the next `send(into:)`.
    private var pendingOutput: [UInt8] = []
    /// True while `receive()` pulls frames: DATA stays in its stream's queue then (the data
    /// provider parks the stream), so only `send(into:)`, which the owner calls when its output
    /// has room, turns DATA into frames. Otherwise every frame a peer sends (a PING, say) would
    /// move all queued DATA into `pendingOutput`, past the owner's limits: a peer that pings and
    /// never reads could make us buffer a whole stream.
    var pullingControlFramesOnly = false
    /// Streams parked by `receive()`'s pull; `send(into:)` resumes them.
    var parkedByReceive: [HTTP2StreamID] = []
    /// While `flush` runs: where no-copy DATA frames go (the same buffer mem_send's bytes go to,
    /// so frame order is kept: nghttp2 finishes one outbound item before starting the next).
    var noCopyTarget: UnsafeMutablePointer<[UInt8]>?
    /// Set once the connection is broken; every later `receive()` throws it again.
    var terminalError: HTTP2Error?
    /// nghttp2's last explanation (error_callback2), to make thrown errors say why.
    var lastLibraryMessage: String?
    /// We submitted a GOAWAY ourselves, so one going out is not nghttp2 reacting to a protocol error.
    var submittedGoAway = false

    /// Queues our SETTINGS (and the connection window update) before anything else.
    public init(role: Role, settings: HTTP2Settings = HTTP2Settings()) throws {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw HTTP2Error(message: "cannot allocate nghttp2 callbacks")
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.installCallbacks(callbacks)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw HTTP2Error(message: "cannot allocate nghttp2 options")
        }
        defer { nghttp2_option_del(option) }
        // Until the peer's SETTINGS arrive, assume it takes as many streams as we offer.
        nghttp2_option_set_peer_max_concurrent_streams(option, settings.maxConcurrentStreams)

        var session: OpaquePointer?
        let created = role == .server
            ? nghttp2_session_server_new2(&session, callbacks, nil, option)
            : nghttp2_session_client_new2(&session, callbacks, nil, option)
        guard created == 0, let session else {
            throw HTTP2Error("cannot create an HTTP/2 session", libraryCode: Int(created))
        }
        self.role = role
        self.settings = settings
        self.session = session
        // Set after init so the callbacks can find us; unretained: we own the session, not it us.
        nghttp2_session_set_user_data(session, Unmanaged.passUnretained(self).toOpaque())
        try submitInitialSettings()
    }

    deinit { nghttp2_session_del(session) }

    struct InboundHeaderBlock {
        var stream: HTTP2StreamID = 0  // 0: no block is open
        var headers: [HTTP2Header] = []
        /// RFC 9113 size so far (name + value + 32 per field).
        var size = 0
        /// The block passed `maxHeaderListSize`: the rest of it is decoded (HPACK state) but not kept.
        var oversized = false
    }

    private func submitInitialSettings() throws {
        func entry(_ id: nghttp2_settings_id, _ value: UInt32) -> nghttp2_settings_entry {
            nghttp2_settings_entry(settings_id: Int32(id.rawValue), value: value)
        }
        var entries = [
            entry(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams),
            entry(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize),
            entry(NGHTTP2_SETTINGS_MAX_FRAME_SIZE, settings.maxFrameSize),
            entry(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize),
        ]
        if role == .client { entries.append(entry(NGHTTP2_SETTINGS_ENABLE_PUSH, 0)) }
        let submitted = nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), entries, entries.count)
        guard submitted == 0 else { throw HTTP2Error("cannot submit SETTINGS", libraryCode: Int(submitted)) }
        let window = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                           Int32(clamping: settings.connectionWindowSize))
        guard window == 0 else { throw HTTP2Error("cannot raise the connection window", libraryCode: Int(window)) }
    }

    /// Bytes read from the connection. Throws on a connection error; a GOAWAY is then queued.
    public func receive(_ bytes: UnsafeRawBufferPointer) throws {
        if let terminalError { throw terminalError }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let consumed = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if consumed < 0 {
            let error = HTTP2Error("HTTP/2 connection error", libraryCode: consumed, detail: lastLibraryMessage)
            terminalError = error
            // Bad preface and the like: nghttp2 leaves the GOAWAY to us. Fails harmlessly if one is queued.
            _ = nghttp2_session_terminate_session(session, NGHTTP2_PROTOCOL_ERROR.rawValue)
            throw error
        }
        // Many connection errors (an oversized frame, for one) nghttp2 handles by queueing GOAWAY and
        // swallowing input while returning success; pulling the frames out is how we see them.
        pullingControlFramesOnly = true
        defer { pullingControlFramesOnly = false }
        try flush(into: &pendingOutput)
        if let terminalError { throw terminalError }
    }

    /// Hands out the events recorded since the last call, oldest first.
    public func takeEvents() -> [HTTP2Event] {
        var taken: [HTTP2Event] = []
        swap(&taken, &events)
        return taken
    }

    /// Like `takeEvents`, but lends the events to `body` and keeps their buffer for the next batch.
    /// Events recorded while `body` runs wait for the next call.
    public func withEvents(_ body: ([HTTP2Event]) throws -> Void) rethrows {
        guard !events.isEmpty else { return }
        var taken = spareEvents
        spareEvents = []
        swap(&taken, &events)
        defer {
            taken.removeAll(keepingCapacity: true)
            if taken.capacity <= 1024 { spareEvents = taken }
        }
        try body(taken)
    }

    /// Appends every frame nghttp2 wants to write now to `buffer`.
    public func send(into buffer: inout [UInt8]) throws {
        if !parkedByReceive.isEmpty {
            for id in parkedByReceive {
                if let queue = outbound[id] { resume(id, queue) }
            }
            parkedByReceive.removeAll(keepingCapacity: true)
        }
        if !pendingOutput.isEmpty {
            if buffer.isEmpty {
                swap(&buffer, &pendingOutput)
            } else {
                buffer.append(contentsOf: pendingOutput)
                pendingOutput.removeAll(keepingCapacity: true)
            }
        }
        try flush(into: &buffer)
    }

    private func flush(into buffer: inout [UInt8]) throws {
        try withUnsafeMutablePointer(to: &buffer) { target in
            noCopyTarget = target
            defer { noCopyTarget = nil }
            while true {
                var frames: UnsafePointer<UInt8>?
                let count = nghttp2_session_mem_send(session, &frames)
                guard count >= 0 else { throw HTTP2Error("HTTP/2 send failed", libraryCode: count, detail: lastLibraryMessage) }
                guard count > 0, let frames else { return }
                target.pointee.append(contentsOf: UnsafeBufferPointer(start: frames, count: count))
            }
        }
    }

    /// False once the connection is done reading: a GOAWAY went out or came in with no streams left.
    public var wantsRead: Bool { terminalError == nil && nghttp2_session_want_read(session) != 0 }
    public var wantsWrite: Bool { !pendingOutput.isEmpty || nghttp2_session_want_write(session) != 0 }
}
