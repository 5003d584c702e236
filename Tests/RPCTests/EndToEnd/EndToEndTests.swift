import Foundation
import XCTest
import Synchronization
import HTTP2
import JobletAPI
import ProtoWire
import TLS
@testable import RPC

/// Our GRPCChannel against our GRPCServer over loopback sockets with mutual TLS 1.3.
final class EndToEndTests: XCTestCase {
    typealias M = Grpc_Testing_TestService.Method
    let streamedBytes = Probe()
    let handlerSawCancel = Probe()
    let slowCallDone = Probe()
    /// 1: the handler ran on an event-loop thread, 2: elsewhere.
    let emptyCallThread = Probe()
    let unaryCallThread = Probe()
    let lateHandlerStarted = Probe()
    let lateHandlerFinished = Probe()
    let lateGate = Gate()

    private func payload(_ n: Int) -> Grpc_Testing_Payload {
        var p = Grpc_Testing_Payload()
        p.body = [UInt8](repeating: 0x5A, count: n)
        return p
    }

    private func router() -> RPCRouter {
        let r = RPCRouter()
        let streamed = streamedBytes, sawCancel = handlerSawCancel, slowDone = slowCallDone
        let emptyThread = emptyCallThread, unaryThread = unaryCallThread
        r.unary(M.emptyCall, Grpc_Testing_Empty.self, execution: .eventLoop) { _, _ in
            emptyThread.set(Self.onEventLoopThread() ? 1 : 2)
            try await Task.sleep(for: .milliseconds(1))  // and back on the loop after a suspension
            if !Self.onEventLoopThread() { emptyThread.set(2) }
            return Grpc_Testing_Empty()
        }
        let lateStarted = lateHandlerStarted, lateFinished = lateHandlerFinished, gate = lateGate
        r.unary(M.cacheableUnaryCall, Grpc_Testing_SimpleRequest.self, execution: .eventLoop) { _, _ in
            lateStarted.set(1)
            await gate.wait()  // not cancellable: resumes after the server (and its loops) stopped
            lateFinished.set(1)
            return Grpc_Testing_SimpleResponse()
        }
        r.unary(M.unaryCall, Grpc_Testing_SimpleRequest.self) { req, ctx in
            unaryThread.set(Self.onEventLoopThread() ? 1 : 2)
            if req.fillUsername {  // "slow" call: cancelled or finishes after 300 ms
                do { try await Task.sleep(for: .milliseconds(300)) } catch { sawCancel.set(1); throw error }
                slowDone.set(1)
            }
            if let s = req.responseStatus, s.code != 0 {
                throw RPCError(RPCStatusCode(rawValue: Int(s.code)) ?? .unknown, s.message,
                               trailingMetadata: Metadata([("x-why", "asked")]))
            }
            ctx.compressResponses = req.responseCompressed?.value ?? false
            var initial = Metadata()
            for case (let k, let v) in ctx.requestMetadata where k.hasPrefix("x-") {
                switch v {
                case .string(let s): initial.add(k, s)
                case .binary(let b): initial.add(k, binary: b)
                }
            }
            ctx.initialMetadata = initial
            ctx.trailingMetadata = Metadata([("x-trailer", "t")])
            var resp = Grpc_Testing_SimpleResponse()
            resp.payload = req.payload
            resp.username = ctx.lastRequestWasCompressed ? "compressed" : "plain"
            return resp
        }
        r.serverStreaming(M.streamingOutputCall, Grpc_Testing_StreamingOutputCallRequest.self,
                          Grpc_Testing_StreamingOutputCallResponse.self) { req, out, _ in
            for p in req.responseParameters {
                var resp = Grpc_Testing_StreamingOutputCallResponse()
                resp.payload = Grpc_Testing_Payload()
                resp.payload?.body = [UInt8](repeating: 1, count: Int(p.size))
                try await out.send(resp)
                streamed.add(Int(p.size))
            }
        }
        r.clientStreaming(M.streamingInputCall, Grpc_Testing_StreamingInputCallRequest.self) { reqs, _ in
            var total: Int32 = 0
            for try await req in reqs { total += Int32(req.payload?.body.count ?? 0) }
            var resp = Grpc_Testing_StreamingInputCallResponse()
            resp.aggregatedPayloadSize = total
            return resp
        }
        r.bidiStreaming(M.fullDuplexCall, Grpc_Testing_StreamingOutputCallRequest.self,
                        Grpc_Testing_StreamingOutputCallResponse.self) { reqs, out, _ in
            for try await req in reqs {
                var resp = Grpc_Testing_StreamingOutputCallResponse()
                resp.payload = req.payload
                try await out.send(resp)
            }
        }
        return r
    }

    private var server: GRPCServer!
    private var channel: GRPCChannel!
    private var port = 0
    private let pki = TestPKI.shared

    override func setUp() async throws {
        var config = ServerConfiguration(host: "127.0.0.1", port: 0, tls: try .server(
            certificateFile: pki.path("server-cert.pem"), privateKeyFile: pki.path("server-key.pem"), caFile: pki.path("ca-cert.pem")))
        config.eventLoops = 1
        server = try GRPCServer(configuration: config, router: router())
        port = try server.start()
        channel = try makeChannel()
    }

    override func tearDown() async throws {
        channel?.close()
        await server?.shutdown(drainTimeout: .seconds(1))
    }

    private func clientTLS() throws -> TLSConfiguration {
        try .client(certificateFile: pki.path("admin-client-cert.pem"), privateKeyFile: pki.path("admin-client-key.pem"),
                    caFile: pki.path("ca-cert.pem"))
    }

    private func makeChannel() throws -> GRPCChannel {
        try GRPCChannel(configuration: ClientConfiguration(host: "127.0.0.1", port: port, tls: try clientTLS(), serverName: "localhost"))
    }

    private func request(_ n: Int) -> Grpc_Testing_SimpleRequest {
        var req = Grpc_Testing_SimpleRequest()
        req.payload = payload(n)
        return req
    }

    static func onEventLoopThread() -> Bool {
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return name.hasPrefix("jobletd-loop")
    }

    func testHandlersRunWhereTheirMethodSays() async throws {
        let _: Grpc_Testing_Empty = try await channel.unary(M.emptyCall, Grpc_Testing_Empty())
        XCTAssertEqual(emptyCallThread.get, 1, ".eventLoop: on the loop thread, also after a suspension")
        let _: Grpc_Testing_SimpleResponse = try await channel.unary(M.unaryCall, request(10))
        XCTAssertEqual(unaryCallThread.get, 2, ".pool: off the loops")
    }

    func testAnEventLoopHandlerThatResumesAfterShutdownStillFinishes() async throws {
        let channel = self.channel!, req = request(1)
        let call = Task { () -> Grpc_Testing_SimpleResponse? in try? await channel.unary(M.cacheableUnaryCall, req) }
        let deadline = ContinuousClock.now + .seconds(5)
        while lateHandlerStarted.get == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(lateHandlerStarted.get, 1)
        await server.shutdown(drainTimeout: .milliseconds(100))  // closes the connection, stops the loop
        lateGate.open()
        while lateHandlerFinished.get == 0 && ContinuousClock.now < deadline + .seconds(2) {
            try await Task.sleep(for: .milliseconds(5))
        }
        XCTAssertEqual(lateHandlerFinished.get, 1, "a task preferring a stopped loop runs on the global executor")
        _ = await call.value
    }

    func testUnary() async throws {
        let resp: Grpc_Testing_SimpleResponse = try await channel.unary(M.unaryCall, request(1000))
        XCTAssertEqual(resp.payload?.body.count, 1000)
        XCTAssertEqual(resp.username, "plain")
    }

    /// The loop polls before blocking only while busy (ServerConfiguration.eventLoopSpinPolls,
    /// 50 by default, on here): once the calls stop, it blocks again instead of spinning.
    func testABusyLoopStopsPollingWhenIdle() async throws {
        let channel = self.channel!, req = request(10)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<200 {
                        let _: Grpc_Testing_SimpleResponse = try await channel.unary(M.unaryCall, req)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await Task.sleep(for: .milliseconds(100))
        let before = Self.processCPU()
        try await Task.sleep(for: .seconds(1))
        let used = Self.processCPU() - before
        // A loop that kept polling would use most of a core in that second.
        XCTAssertLessThan(used, 0.25, "CPU seconds used by an idle server in 1 s")
        let resp: Grpc_Testing_SimpleResponse = try await channel.unary(M.unaryCall, req)
        XCTAssertEqual(resp.payload?.body.count, 10)
    }

    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func testErrorStatusAndMetadataRoundTrip() async throws {
        var req = request(1)
        req.responseStatus = Grpc_Testing_EchoStatus()
        req.responseStatus?.code = Int32(RPCStatusCode.notFound.rawValue)
        req.responseStatus?.message = "job not found: f47ac10b ✓"
        do {
            let _: Grpc_Testing_SimpleResponse = try await channel.unary(M.unaryCall, req)
            XCTFail("expected NOT_FOUND")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .notFound)
            XCTAssertEqual(error.message, "job not found: f47ac10b ✓")
            XCTAssertEqual(error.trailingMetadata.first("x-why"), "asked")
        }

        var md = Metadata()
        md.add("x-text", "hello")
        md.add("x-blob-bin", binary: [0, 0xFF, 7])
        let call: StreamingCall<Grpc_Testing_SimpleRequest, Grpc_Testing_SimpleResponse> =
            try await channel.serverStreaming(M.unaryCall, request(3), options: CallOptions(metadata: md))
        let initial = await call.initialMetadata()
        XCTAssertEqual(initial.first("x-text"), "hello")
        XCTAssertEqual(initial.firstBinary("x-blob-bin"), [0, 0xFF, 7])
        for try await _ in call.responses {}
        XCTAssertEqual(call.trailingMetadata.first("x-trailer"), "t")
        XCTAssertEqual(call.status?.code, .ok)
    }

    func testGzipBothWays() async throws {
        var req = request(50_000)
        req.responseCompressed = Grpc_Testing_BoolValue()
        req.responseCompressed?.value = true
        let call: StreamingCall<Grpc_Testing_SimpleRequest, Grpc_Testing_SimpleResponse> =
            try await channel.serverStreaming(M.unaryCall, req, options: CallOptions(compressRequests: true))
        let headers = await call.initialMetadata()
        _ = headers
        var got: [Grpc_Testing_SimpleResponse] = []
        for try await r in call.responses { got.append(r) }
        XCTAssertEqual(got.first?.username, "compressed", "the server saw a compressed request")
        XCTAssertEqual(got.first?.payload?.body.count, 50_000)
    }

    func testServerStreamingClientStreamingAndBidi() async throws {
        var out = Grpc_Testing_StreamingOutputCallRequest()
        out.responseParameters = [10, 20, 30].map { var p = Grpc_Testing_ResponseParameters(); p.size = Int32($0); return p }
        let ss: StreamingCall<Grpc_Testing_StreamingOutputCallRequest, Grpc_Testing_StreamingOutputCallResponse> =
            try await channel.serverStreaming(M.streamingOutputCall, out)
        var sizes: [Int] = []
        for try await r in ss.responses { sizes.append(r.payload?.body.count ?? -1) }
        XCTAssertEqual(sizes, [10, 20, 30])

        let cs: StreamingCall<Grpc_Testing_StreamingInputCallRequest, Grpc_Testing_StreamingInputCallResponse> =
            try await channel.clientStreaming(M.streamingInputCall)
        for n in [1, 2, 3, 4] { var r = Grpc_Testing_StreamingInputCallRequest(); r.payload = payload(n); try cs.send(r) }
        cs.closeSend()
        var total: Int32 = -1
        for try await r in cs.responses { total = r.aggregatedPayloadSize }
        XCTAssertEqual(total, 10)

        let bidi: StreamingCall<Grpc_Testing_StreamingOutputCallRequest, Grpc_Testing_StreamingOutputCallResponse> =
            try await channel.bidiStreaming(M.fullDuplexCall)
        var it = bidi.responses.makeAsyncIterator()
        for n in [5, 6, 7] {  // ping-pong: each answer arrives before the next request goes
            var r = Grpc_Testing_StreamingOutputCallRequest(); r.payload = payload(n)
            try bidi.send(r)
            let answer = try await it.next()
            XCTAssertEqual(answer?.payload?.body.count, n)
        }
        bidi.closeSend()
        let end = try await it.next()
        XCTAssertNil(end)
        XCTAssertEqual(bidi.status?.code, .ok)
    }

    func testClientDeadline() async throws {
        var req = request(1)
        req.fillUsername = true  // the handler takes 300 ms
        let start = ContinuousClock.now
        do {
            let _: Grpc_Testing_SimpleResponse = try await channel.unary(M.unaryCall, req, options: CallOptions(timeout: .milliseconds(50)))
            XCTFail("expected DEADLINE_EXCEEDED")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .deadlineExceeded)
        }
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(280))
    }

    func testCancellationReachesTheHandler() async throws {
        var req = request(1)
        req.fillUsername = true
        let call: StreamingCall<Grpc_Testing_SimpleRequest, Grpc_Testing_SimpleResponse> = try await channel.serverStreaming(M.unaryCall, req)
        try await Task.sleep(for: .milliseconds(50))
        call.cancel()
        do {
            for try await _ in call.responses {}
            XCTFail("expected CANCELLED")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .cancelled)
        }
        let deadline = ContinuousClock.now + .seconds(2)
        while handlerSawCancel.get == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(handlerSawCancel.get, 1, "the handler's task was cancelled")
        XCTAssertEqual(slowCallDone.get, 0)
    }

    /// A client that stops reading its socket: the server's `send` must suspend, so the
    /// handler cannot run ahead by more than the windows plus the high-water mark.
    func testServerStreamingBackPressure() async throws {
        let client = try RawTLSClient(port: port, tls: try clientTLS())
        var out = Grpc_Testing_StreamingOutputCallRequest()
        out.responseParameters = (0..<192).map { _ in var p = Grpc_Testing_ResponseParameters(); p.size = 64 << 10; return p }  // 12 MiB
        let headers = SessionDriver.requestHeaders(M.streamingOutputCall.path)
        let id = try client.h2.submitRequest(headers: headers, endStream: false)
        try client.h2.submitData(stream: id, bytes: MessageFramer.frame(out.serializedBytes(), compressed: false), endStream: true)
        try client.exchange(wait: 50)
        try await Task.sleep(for: .milliseconds(800))  // not reading
        let ranAhead = streamedBytes.get
        XCTAssertGreaterThan(ranAhead, 0)
        print("back-pressure: handler ran ahead by \(ranAhead) bytes")
        XCTAssertLessThan(ranAhead, 8 << 20, "handler sent \(ranAhead) bytes to a client that reads nothing")
        // Reading again lets the handler go on.
        let deadline = ContinuousClock.now + .seconds(10)
        while streamedBytes.get < ranAhead + (2 << 20) && ContinuousClock.now < deadline { try client.exchange(wait: 10) }
        XCTAssertGreaterThanOrEqual(streamedBytes.get, ranAhead + (2 << 20), "send resumed once the client read")
    }

    /// A client that grants 2 GiB windows and keeps sending frames (PINGs) but never reads its
    /// socket: whatever wakes the connection, the server must not pull more frames than its caps
    /// allow, or the handler runs on and the server buffers the whole stream.
    func testAClientThatPingsButNeverReadsCannotMakeTheServerBuffer() async throws {
        let client = try RawTLSClient(port: port, tls: try clientTLS(),
                                      settings: HTTP2Settings(initialWindowSize: 0x7fff_ffff, connectionWindowSize: 0x7fff_ffff))
        var out = Grpc_Testing_StreamingOutputCallRequest()
        out.responseParameters = (0..<1024).map { _ in var p = Grpc_Testing_ResponseParameters(); p.size = 64 << 10; return p }  // 64 MiB
        let id = try client.h2.submitRequest(headers: SessionDriver.requestHeaders(M.streamingOutputCall.path), endStream: false)
        try client.h2.submitData(stream: id, bytes: MessageFramer.frame(out.serializedBytes(), compressed: false), endStream: true)
        try client.write()
        let end = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < end {
            try client.h2.submitPing()
            try client.write()
            try await Task.sleep(for: .milliseconds(5))
        }
        let ranAhead = streamedBytes.get
        print("pinging, not reading: handler ran ahead by \(ranAhead) bytes")
        // The kernel's socket buffers on both sides (up to ~10 MiB on loopback) plus our caps.
        XCTAssertLessThan(ranAhead, 24 << 20, "the server buffered \(ranAhead) bytes for a client that reads nothing")
    }

    /// A connection whose ciphertext is backed up past `maxBufferedCiphertext` leaves frames in
    /// HTTP/2; when the socket then takes all of it in one go, the connection must come back for
    /// the rest. It used to wait for an event that never came: the stream stalled until its
    /// deadline. A small cap makes that happen many times in one 48 MiB stream.
    func testStreamDoesNotStallWhenBufferedCiphertextDrainsAtOnce() async throws {
        var config = ServerConfiguration(host: "127.0.0.1", port: 0, tls: try .server(
            certificateFile: pki.path("server-cert.pem"), privateKeyFile: pki.path("server-key.pem"), caFile: pki.path("ca-cert.pem")))
        config.eventLoops = 1
        config.maxBufferedCiphertext = 16 << 10
        let small = try GRPCServer(configuration: config, router: router())
        let port = try small.start()
        var client = ClientConfiguration(host: "127.0.0.1", port: port, tls: try clientTLS(), serverName: "localhost")
        // Windows larger than the stream: the client sends no WINDOW_UPDATE, so nothing it sends
        // wakes the server's connection up (grpc C++ clients, with BDP-sized windows, do the same).
        client.http2.initialWindowSize = 64 << 20
        client.http2.connectionWindowSize = 64 << 20
        let channel = try GRPCChannel(configuration: client)
        defer { channel.close() }
        var out = Grpc_Testing_StreamingOutputCallRequest()
        out.responseParameters = (0..<768).map { _ in var p = Grpc_Testing_ResponseParameters(); p.size = 64 << 10; return p }
        let call: StreamingCall<Grpc_Testing_StreamingOutputCallRequest, Grpc_Testing_StreamingOutputCallResponse> =
            try await channel.serverStreaming(M.streamingOutputCall, out, options: CallOptions(timeout: .seconds(40)))
        var received = 0
        do {
            for try await r in call.responses { received += r.payload?.body.count ?? 0 }
        } catch {
            XCTFail("stream ended after \(received) of \(768 << 16) bytes: \(error)")
        }
        XCTAssertEqual(received, 768 << 16)
        await small.shutdown(drainTimeout: .seconds(1))
    }

    func testGracefulShutdownFinishesInFlightCallsAndRefusesNewConnections() async throws {
        var req = request(1)
        req.fillUsername = true  // 300 ms
        let channel = self.channel!
        let inflight = Task { () throws -> Grpc_Testing_SimpleResponse in try await channel.unary(M.unaryCall, req) }
        try await Task.sleep(for: .milliseconds(100))
        let server = self.server!
        let shutdown = Task { await server.shutdown(drainTimeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let late = try makeChannel()
        do {
            let _: Grpc_Testing_SimpleResponse = try await late.unary(M.unaryCall, request(1))
            XCTFail("a new connection was served during shutdown")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unavailable)
        }
        late.close()
        let resp = try await inflight.value
        XCTAssertEqual(resp.payload?.body.count, 1)
        XCTAssertEqual(slowCallDone.get, 1)
        await shutdown.value
        self.server = nil
    }
}

/// A one-shot latch a handler can wait on without being cancellable.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiter = c
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    func open() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.open = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }
}
