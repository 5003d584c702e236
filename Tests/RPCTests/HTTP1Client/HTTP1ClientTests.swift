import Foundation
import HTTP1
@testable import RPC
import TestSupport
import XCTest

/// RPC.HTTP1Client against a real peer: tests/http1/peer.py (Python's socket and ssl modules).
final class HTTP1ClientTests: XCTestCase {
    /// The peer, started for one test and killed when it ends.
    final class Peer: @unchecked Sendable {
        let peer: PythonPeer
        let log: String
        var port: Int { peer.port }

        init(_ test: XCTestCase, mode: String, extra: [String] = []) throws {
            let log = NSTemporaryDirectory() + "http1-peer-\(getpid())-\(UUID().uuidString).log"
            self.log = log
            peer = try PythonPeer(test, script: "tests/http1/peer.py", arguments: ["--mode", mode, "--log", log] + extra) {
                try? FileManager.default.removeItem(atPath: log)
            }
        }

        var endpoint: HTTP1Endpoint { HTTP1Endpoint(secure: false, host: "127.0.0.1", port: port) }

        /// The outcomes the peer logged, waiting up to `seconds` for at least `count`.
        func outcomes(atLeast count: Int, within seconds: Double = 5) -> [String] {
            let end = Date().addingTimeInterval(seconds)
            while true {
                let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                if lines.count >= count || Date() > end { return lines }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    private var client: HTTP1Client!

    override func setUp() async throws {
        client = try HTTP1Client()
    }

    override func tearDown() async throws {
        await client.shutdown()
    }

    private func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func testTheRequestOnTheWire() async throws {
        let peer = try Peer(self, mode: "echo")
        var request = HTTP1Request(method: "POST", target: "/jobs/launch?name=a%20b")
        request.headers = [HTTP1Header(name: "Content-Type", value: "application/json"),
                           HTTP1Header(name: "Authorization", value: "Bearer sky_x")]
        request.body = Array(#"{"task":"x"}"#.utf8)
        let response = try await client.execute(request, to: peer.endpoint, timeout: .seconds(10))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.first(name: "content-type"), "application/json")
        let echoed = try json(try await response.body.collect(upTo: 1 << 20))
        XCTAssertEqual(echoed["line"] as? String, "POST /jobs/launch?name=a%20b HTTP/1.1")
        let headers = try XCTUnwrap(echoed["headers"] as? [String: String])
        XCTAssertEqual(headers["host"], "127.0.0.1:\(peer.port)")
        XCTAssertEqual(headers["content-length"], "12")
        XCTAssertEqual(headers["connection"], "close")
        XCTAssertEqual(headers["authorization"], "Bearer sky_x")
        XCTAssertEqual(echoed["body"] as? String, #"{"task":"x"}"#)
    }

    /// 8 MiB chunked, read slowly at first: the connection pauses at the high-water mark and
    /// resumes, and every byte arrives in order.
    func testAChunkedBodyArrivesWholeWhileTheReaderLagsBehind() async throws {
        let size = 8 << 20
        let peer = try Peer(self, mode: "chunked", extra: ["--size", String(size)])
        let response = try await client.execute(HTTP1Request(method: "GET", target: "/logs"), to: peer.endpoint, timeout: .seconds(60))
        var received = 0
        var chunks = 0
        var inOrder = true
        for try await chunk in response.body {
            chunks += 1
            if chunks <= 5 { try await Task.sleep(for: .milliseconds(100)) }  // let the buffer pass high water
            for (i, byte) in chunk.enumerated() where byte != UInt8(truncatingIfNeeded: received + i) {
                inOrder = false
                break
            }
            received += chunk.count
        }
        XCTAssertEqual(received, size)
        XCTAssertTrue(inOrder, "bytes out of order")
        XCTAssertEqual(peer.outcomes(atLeast: 1), ["complete"])
    }

    /// The peer sends 768 KiB and closes while the reader has stopped reading: the paused
    /// connection must not spin on the hang-up (the loop is level-triggered), and once the reader
    /// goes on, every byte still arrives.
    func testAPausedReaderCostsNoCPUAfterThePeerClosed() async throws {
        let size = 768 << 10  // past the 256 KiB high-water mark, small enough for the socket buffers to take the rest and the FIN
        let peer = try Peer(self, mode: "chunked", extra: ["--size", String(size)])
        let response = try await client.execute(HTTP1Request(method: "GET", target: "/"), to: peer.endpoint, timeout: .seconds(60))
        var iterator = response.body.makeAsyncIterator()
        var received = try await iterator.next()?.count ?? 0
        XCTAssertEqual(peer.outcomes(atLeast: 1), ["complete"], "the peer should have sent everything into the socket")
        let before = Self.cpuSeconds()
        try await Task.sleep(for: .seconds(1))
        let spent = Self.cpuSeconds() - before
        XCTAssertLessThan(spent, 0.3, "a paused connection used \(spent) s of CPU in 1 s")
        while let chunk = try await iterator.next() { received += chunk.count }
        XCTAssertEqual(received, size)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func testTheDeadlineEndsASilentServer() async throws {
        let peer = try Peer(self, mode: "silent")
        let start = ContinuousClock.now
        do {
            _ = try await client.execute(HTTP1Request(method: "GET", target: "/api/get"), to: peer.endpoint, timeout: .milliseconds(300))
            XCTFail("a silent server answered")
        } catch let error as HTTP1ClientError {
            XCTAssertEqual(error.kind, .timedOut)
            XCTAssertTrue(error.requestMayHaveBeenSent)
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
    }

    func testARefusedConnectionWasNeverSent() async throws {
        // A port nobody listens on: bind one, note it, close it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(fd)
        // "localhost" resolves to ::1 and 127.0.0.1 here: each refusal names the address tried.
        for host in ["127.0.0.1", "localhost"] {
            do {
                _ = try await client.execute(HTTP1Request(method: "POST", target: "/jobs/launch"),
                                             to: HTTP1Endpoint(secure: false, host: host, port: port), timeout: .seconds(5))
                XCTFail("connected to a closed port")
            } catch let error as HTTP1ClientError {
                XCTAssertEqual(error.kind, .connect)
                XCTAssertFalse(error.requestMayHaveBeenSent)
                XCTAssertTrue(error.description.contains("127.0.0.1:\(port): Connection refused"), error.description)
            }
        }
    }

    func testACutResponseAndGarbageAreErrors() async throws {
        let cut = try Peer(self, mode: "cut")
        let response = try await client.execute(HTTP1Request(method: "GET", target: "/"), to: cut.endpoint, timeout: .seconds(10))
        do {
            _ = try await response.body.collect(upTo: 1 << 20)
            XCTFail("a body cut short was accepted")
        } catch let error as HTTP1ClientError {
            XCTAssertEqual(error.kind, .connection)
            XCTAssertTrue(error.description.contains("middle of the response"), error.description)
        }
        let garbage = try Peer(self, mode: "garbage")
        do {
            _ = try await client.execute(HTTP1Request(method: "GET", target: "/"), to: garbage.endpoint, timeout: .seconds(10))
            XCTFail("garbage was accepted")
        } catch let error as HTTP1ClientError {
            XCTAssertEqual(error.kind, .protocolViolation)
            XCTAssertTrue(error.description.contains("not an HTTP/1.x status line"), error.description)
        }
    }

    func testHTTPSVerifiesTheServer() async throws {
        let pki = TestPKI.shared
        let peer = try Peer(self, mode: "echo", extra: ["--tls", pki.directory])
        var settings = HTTP1Client.Configuration()
        settings.caFile = pki.path("ca-cert.pem")
        let trusting = try HTTP1Client(configuration: settings)
        defer { Task { await trusting.shutdown() } }
        for host in ["127.0.0.1", "localhost"] {
            let endpoint = HTTP1Endpoint(secure: true, host: host, port: peer.port)
            let response = try await trusting.execute(HTTP1Request(method: "GET", target: "/api/health"), to: endpoint, timeout: .seconds(10))
            let echoed = try json(try await response.body.collect(upTo: 1 << 20))
            XCTAssertEqual(echoed["line"] as? String, "GET /api/health HTTP/1.1", host)
        }
        // The system's CAs do not know our development CA: refused in the handshake, never sent.
        do {
            _ = try await client.execute(HTTP1Request(method: "POST", target: "/jobs/launch"),
                                         to: HTTP1Endpoint(secure: true, host: "127.0.0.1", port: peer.port), timeout: .seconds(10))
            XCTFail("an unknown CA was accepted")
        } catch let error as HTTP1ClientError {
            XCTAssertEqual(error.kind, .tls)
            XCTAssertFalse(error.requestMayHaveBeenSent)
            XCTAssertTrue(error.description.contains("certificate verify failed"), error.description)
        }
    }

    /// A CA file that cannot be read fails the request (never sent); once the file is there,
    /// the same client's next request succeeds: the failure was not kept.
    func testAnUnreadableCAFileFailsUntilItIsFixed() async throws {
        let pki = TestPKI.shared
        let peer = try Peer(self, mode: "echo", extra: ["--tls", pki.directory])
        let caFile = NSTemporaryDirectory() + "http1-ca-\(UUID().uuidString).pem"
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        var settings = HTTP1Client.Configuration()
        settings.caFile = caFile
        let client = try HTTP1Client(configuration: settings)
        defer { Task { await client.shutdown() } }
        let endpoint = HTTP1Endpoint(secure: true, host: "localhost", port: peer.port)
        do {
            _ = try await client.execute(HTTP1Request(method: "GET", target: "/api/health"), to: endpoint, timeout: .seconds(10))
            XCTFail("a missing CA file was accepted")
        } catch let error as HTTP1ClientError {
            XCTAssertEqual(error.kind, .tls)
            XCTAssertFalse(error.requestMayHaveBeenSent)
            XCTAssertTrue(error.description.contains(caFile), error.description)
        }
        try FileManager.default.copyItem(atPath: pki.path("ca-cert.pem"), toPath: caFile)
        let response = try await client.execute(HTTP1Request(method: "GET", target: "/api/health"), to: endpoint, timeout: .seconds(10))
        XCTAssertEqual(response.status, 200)
    }

    func testDroppingTheBodyClosesTheConnection() async throws {
        let peer = try Peer(self, mode: "chunked", extra: ["--size", String(256 << 20)])
        do {
            let response = try await client.execute(HTTP1Request(method: "GET", target: "/"), to: peer.endpoint, timeout: .seconds(60))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
        }
        // The reader is gone: the connection closes, and the peer's sending fails long before 256 MiB.
        XCTAssertEqual(peer.outcomes(atLeast: 1, within: 10), ["closed-early"])
    }

    /// A request in flight when the client shuts down fails; one sent afterwards fails at once.
    func testShutdownEndsRequestsAndRefusesNewOnes() async throws {
        let peer = try Peer(self, mode: "silent")
        let doomed = try HTTP1Client()
        let task = Task {
            try await doomed.execute(HTTP1Request(method: "GET", target: "/api/get"), to: peer.endpoint, timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(200))
        await doomed.shutdown()
        do {
            _ = try await task.value
            XCTFail("a request survived the shutdown")
        } catch let error as HTTP1ClientError {
            XCTAssertTrue(error.description.contains("shut down"), error.description)
        }
        do {
            _ = try await doomed.execute(HTTP1Request(method: "GET", target: "/"), to: peer.endpoint, timeout: .seconds(5))
            XCTFail("a shut-down client sent a request")
        } catch let error as HTTP1ClientError {
            XCTAssertFalse(error.requestMayHaveBeenSent)
        }
        await doomed.shutdown()  // idempotent
    }

    func testCancellingTheCallerEndsTheRequest() async throws {
        let peer = try Peer(self, mode: "silent")
        let client = self.client!
        let task = Task {
            try await client.execute(HTTP1Request(method: "GET", target: "/api/get"), to: peer.endpoint, timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled request answered")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }
}
