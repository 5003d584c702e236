import Foundation
import Synchronization
import HTTP2
import Logging
@testable import RPC

/// Runs a session's posted jobs when the test says so (the test thread plays the event loop).
final class QueueExecutor: SessionExecutor {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    func execute(_ job: @escaping @Sendable () -> Void) { jobs.withLock { $0.append(job) } }

    @discardableResult
    func drain() -> Bool {
        var ran = false
        while true {
            let batch = jobs.withLock { j -> [@Sendable () -> Void] in defer { j.removeAll() }; return j }
            if batch.isEmpty { return ran }
            ran = true
            for job in batch { job() }
        }
    }
}

/// A server GRPCServerSession and a client HTTP2Session wired back to back in memory; every
/// byte crosses one `receive` call at a time.
final class SessionDriver {
    let executor = QueueExecutor()
    let session: GRPCServerSession
    let client: HTTP2Session
    private(set) var events: [HTTP2Event] = []
    var byteByByte = true

    init(router: RPCRouter, maxReceiveMessageSize: Int = 4 << 20, interceptors: [any ServerInterceptor] = [],
         budget: RequestMemoryBudget? = nil, http2: HTTP2Settings = HTTP2Settings()) throws {
        let configuration = GRPCSessionConfiguration(
            router: router, interceptors: interceptors, http2: http2, maxReceiveMessageSize: maxReceiveMessageSize,
            maxReceiveMessageSizeSetting: "server.maxReceiveMessageSize", largeRequestBudget: budget,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        session = try GRPCServerSession(executor: executor, configuration: configuration, peer: nil,
                                        remoteAddress: "memory", requestFlush: {})
        client = try HTTP2Session(role: .client)
    }

    /// Moves bytes both ways and runs posted jobs until nothing moves.
    func pump() throws {
        for _ in 0..<10_000 {
            var toServer: [UInt8] = []
            try client.send(into: &toServer)
            feed(toServer) { self.session.receive($0) }
            let ran = executor.drain()
            var toClient: [UInt8] = []
            try session.send(into: &toClient)
            session.reportDrain()
            feed(toClient) { (try? self.client.receive($0)) != nil }
            events += client.takeEvents()
            if toServer.isEmpty && toClient.isEmpty && !ran { return }
        }
    }

    private func feed(_ bytes: [UInt8], _ receive: (UnsafeRawBufferPointer) -> Bool) {
        if byteByByte {
            for i in bytes.indices { _ = bytes[i...i].withUnsafeBytes(receive) }
        } else if !bytes.isEmpty {
            _ = bytes.withUnsafeBytes(receive)
        }
    }

    /// Pumps until `done` holds (handlers run on other threads), or fails after `timeout`.
    func pump(until done: () -> Bool, timeout: Duration = .seconds(5), file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            try pump()
            if done() { return }
            guard ContinuousClock.now < deadline else { throw DriverError.timedOut("\(file):\(line)") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    enum DriverError: Error { case timedOut(String) }

    static func requestHeaders(_ path: String, method: String = "POST", contentType: String = "application/grpc",
                               extra: [(String, String)] = []) -> [HTTP2Header] {
        [HTTP2Header(name: ":method", value: method), HTTP2Header(name: ":scheme", value: "https"),
         HTTP2Header(name: ":path", value: path), HTTP2Header(name: ":authority", value: "localhost"),
         HTTP2Header(name: "content-type", value: contentType), HTTP2Header(name: "te", value: "trailers")]
        + extra.map { HTTP2Header(name: $0.0, value: $0.1) }
    }

    /// Starts a call whose request is `messages` (framed), ending the request stream if `end`.
    @discardableResult
    func call(_ path: String, _ messages: [[UInt8]], end: Bool = true, extra: [(String, String)] = [],
              method: String = "POST", contentType: String = "application/grpc") throws -> HTTP2StreamID {
        let headers = Self.requestHeaders(path, method: method, contentType: contentType, extra: extra)
        if messages.isEmpty && end { return try client.submitRequest(headers: headers, endStream: true) }
        let id = try client.submitRequest(headers: headers, endStream: false)
        var body: [UInt8] = []
        for m in messages { MessageFramer.appendFrame(m, compressed: false, to: &body) }
        if !body.isEmpty || end { try client.submitData(stream: id, bytes: body, endStream: end) }
        return id
    }

    /// Starts a call whose request body is `body`, already framed by the test (flags and all),
    /// sent as one DATA frame.
    @discardableResult
    func callRaw(_ path: String, body: [UInt8], end: Bool = true, extra: [(String, String)] = []) throws -> HTTP2StreamID {
        let id = try client.submitRequest(headers: Self.requestHeaders(path, extra: extra), endStream: false)
        try client.submitData(stream: id, bytes: body, endStream: end)
        return id
    }

    /// The response messages of one stream with their compressed flags, as sent.
    func framedResponses(_ id: HTTP2StreamID) throws -> [MessageDeframer.Message] {
        var d = MessageDeframer(maxMessageSize: 64 << 20)
        var bytes: [UInt8] = []
        for case let .data(sid, b, _) in events where sid == id { bytes += b }
        d.append(bytes)
        var out: [MessageDeframer.Message] = []
        while let m = try d.next() { out.append(m) }
        return out
    }

    // MARK: reading the response of one stream

    func headerBlocks(_ id: HTTP2StreamID) -> [[HTTP2Header]] {
        events.compactMap { if case .headers(id, let h, _) = $0 { return h } else { return nil } }
    }

    /// The last header block with grpc-status (trailers, or Trailers-Only headers).
    func status(_ id: HTTP2StreamID) -> (code: Int, message: String)? {
        guard let block = headerBlocks(id).last(where: { $0.contains { $0.name == "grpc-status" } }) else { return nil }
        let code = Int(block.first { $0.name == "grpc-status" }!.value) ?? -1
        let message = GRPCMessageCoding.decode(block.first { $0.name == "grpc-message" }?.value ?? "")
        return (code, message)
    }

    func httpStatus(_ id: HTTP2StreamID) -> String? {
        headerBlocks(id).first?.first { $0.name == ":status" }?.value
    }

    func responseMessages(_ id: HTTP2StreamID) throws -> [[UInt8]] {
        var d = MessageDeframer(maxMessageSize: 64 << 20)
        var bytes: [UInt8] = []
        for case let .data(sid, b, _) in events where sid == id { bytes += b }
        d.append(bytes)
        var out: [[UInt8]] = []
        while let m = try d.next() { out.append(m.bytes) }
        return out
    }

    func closed(_ id: HTTP2StreamID) -> Bool {
        events.contains { if case .streamClosed(id, _) = $0 { return true } else { return false } }
    }
}

/// A flag or counter a handler sets and a test reads.
final class Probe: Sendable {
    private let value = Atomic<Int>(0)
    func set(_ v: Int) { value.store(v, ordering: .sequentiallyConsistent) }
    func add(_ v: Int) { value.add(v, ordering: .sequentiallyConsistent) }
    var get: Int { value.load(ordering: .sequentiallyConsistent) }
}
