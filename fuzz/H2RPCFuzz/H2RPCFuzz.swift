// libFuzzer target: arbitrary bytes into a server GRPCServerSession (plaintext HTTP/2).
// Built by fuzz/run-h2rpc-fuzz.sh. Input: byte 0 picks how the rest is fed — bit 0 set: the
// HTTP/2 client preface is prepended; bits 1–7: feed in chunks of that many bytes (0: at once).
// Every input gets a fresh session; after it, the session is closed and must be freed (all
// handler tasks ended, no reference cycle) within a few seconds, else we trap: a hang or leak.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import HTTP2
import JobletAPI
import Logging
@testable import RPC

/// Set once the session that owned the matching `Canary` has been destroyed.
final class FreedFlag: Sendable {
    let value = Atomic<Bool>(false)
}

final class Canary: Sendable {
    let flag: FreedFlag
    init(_ flag: FreedFlag) { self.flag = flag }
    deinit { flag.value.store(true, ordering: .releasing) }
}

/// Runs the session's jobs on the fuzzing thread, when `drain` is called.
final class InlineExecutor: SessionExecutor {
    private let jobs = Mutex<[@Sendable () -> Void]>([])

    func execute(_ job: @escaping @Sendable () -> Void) { jobs.withLock { $0.append(job) } }

    /// Runs every queued job (and those they queue); returns whether any ran.
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

let router: RPCRouter = {
    let r = RPCRouter()
    r.unary(Grpc_Testing_TestService.Method.unaryCall, Grpc_Testing_SimpleRequest.self) { req, ctx in
        if let status = req.responseStatus, status.code != 0 {
            throw RPCError(RPCStatusCode(rawValue: Int(status.code)) ?? .unknown, status.message)
        }
        ctx.compressResponses = req.responseCompressed?.value ?? false
        var resp = Grpc_Testing_SimpleResponse()
        resp.payload = req.payload
        return resp
    }
    r.serverStreaming(Grpc_Testing_TestService.Method.streamingOutputCall, Grpc_Testing_StreamingOutputCallRequest.self,
                      Grpc_Testing_StreamingOutputCallResponse.self) { req, out, _ in
        for p in req.responseParameters.prefix(8) {
            var resp = Grpc_Testing_StreamingOutputCallResponse()
            resp.payload = Grpc_Testing_Payload()
            resp.payload?.body = [UInt8](repeating: 7, count: Int(max(0, min(p.size, 70_000))))
            try await out.send(resp)
        }
    }
    r.bidiStreaming(Grpc_Testing_TestService.Method.fullDuplexCall, Grpc_Testing_StreamingOutputCallRequest.self,
                    Grpc_Testing_StreamingOutputCallResponse.self) { requests, out, _ in
        for try await req in requests {
            var resp = Grpc_Testing_StreamingOutputCallResponse()
            resp.payload = req.payload
            try await out.send(resp)
        }
    }
    r.clientStreaming(Grpc_Testing_TestService.Method.streamingInputCall, Grpc_Testing_StreamingInputCallRequest.self) { requests, _ in
        var total: Int32 = 0
        for try await req in requests { total &+= Int32(truncatingIfNeeded: req.payload?.body.count ?? 0) }
        var resp = Grpc_Testing_StreamingInputCallResponse()
        resp.aggregatedPayloadSize = total
        return resp
    }
    return r
}()

let configuration: GRPCSessionConfiguration = {
    var logger = Logger(label: "h2rpc-fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    var settings = HTTP2Settings()
    settings.maxConcurrentStreams = 16
    return GRPCSessionConfiguration(router: router, interceptors: [], http2: settings,
                                    maxReceiveMessageSize: 64 * 1024, logger: logger)
}()

let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

func runOne(_ input: UnsafeBufferPointer<UInt8>) {
    guard let mode = input.first else { return }
    var bytes = mode & 1 != 0 ? preface : []
    bytes.append(contentsOf: input.dropFirst())
    let chunk = Int(mode >> 1) == 0 ? max(1, bytes.count) : Int(mode >> 1)
    let executor = InlineExecutor()
    // Liveness: the session alone holds `canary` (through its flush callback), so the canary's
    // deinit runs while the session is destroyed. Not a `weak` reference: a weak reference gives
    // the session a side table whose pointer lives only in the object's encoded refcount bits;
    // when the last release happens on another thread just as this input ends, LeakSanitizer
    // sees that side table with no pointer to it and reports a 32-byte "leak" that is none.
    let freed = FreedFlag()
    do {
        let canary = Canary(freed)
        let session = try! GRPCServerSession(executor: executor, configuration: configuration, peer: nil,
                                             remoteAddress: "fuzz", requestFlush: { withExtendedLifetime(canary) {} })
        var out: [UInt8] = []
        func pump() -> Bool {
            let ran = executor.drain()
            out.removeAll(keepingCapacity: true)
            guard (try? session.send(into: &out)) != nil else { return false }
            session.reportDrain()
            return ran || !out.isEmpty
        }
        var offset = 0
        var alive = true
        while offset < bytes.count && alive {
            let end = min(bytes.count, offset + chunk)
            alive = bytes[offset..<end].withUnsafeBytes { session.receive($0) }
            offset = end
            _ = pump()
        }
        // Let handlers that can finish do so (bounded: some wait for input that never comes).
        let until = ContinuousClock.now + .milliseconds(20)
        while ContinuousClock.now < until
                && session.streams.values.contains(where: { $0.task != nil && !$0.finished && ($0.requestEnded || !$0.clientStreams) }) {
            if !pump() { sched_yield() }
        }
        session.close(reason: "fuzz input done")
    }
    let deadline = ContinuousClock.now + .seconds(5)
    while !freed.value.load(ordering: .acquiring) {
        if !executor.drain() { usleep(50) }
        if ContinuousClock.now > deadline { fatalError("session not freed 5 s after close: a handler hung or a reference cycle leaks it") }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    runOne(UnsafeBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    if let dir = ProcessInfo.processInfo.environment["H2RPC_WRITE_SEEDS"] {
        do { try writeSeeds(to: dir) } catch { fatalError("cannot write seeds: \(error)") }
        exit(0)
    }
    return 0
}
