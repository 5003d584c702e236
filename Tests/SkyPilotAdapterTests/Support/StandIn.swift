import Foundation
import HTTP1
import RPC
import TestSupport
import XCTest

/// tests/skypilot/standin.py, started for one test on a free port and stopped when it ends.
final class StandIn: @unchecked Sendable {
    let peer: PythonPeer
    var port: Int { peer.port }
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(_ test: XCTestCase, arguments: [String] = []) throws {
        peer = try PythonPeer(test, script: "tests/skypilot/standin.py", arguments: ["--port", "0", "--heartbeat", "0.2"] + arguments)
    }

    @discardableResult
    func control(_ path: String, _ body: [String: Any] = [:]) async throws -> Any {
        let method = body.isEmpty && (path == "requests" || path == "jobs") ? "GET" : "POST"
        var request = HTTP1Request(method: method, target: "/_standin/\(path)")
        if method == "POST" {
            request.headers.append(HTTP1Header(name: "Content-Type", value: "application/json"))
            request.body = Array(try JSONSerialization.data(withJSONObject: body))
        }
        let client = try HTTP1Client()
        defer { Task { await client.shutdown() } }
        let response = try await client.execute(request, to: HTTP1Endpoint(secure: false, host: "127.0.0.1", port: port),
                                                timeout: .seconds(10))
        let data = Data(try await response.body.collect(upTo: 16 << 20))
        return try JSONSerialization.jsonObject(with: data)
    }

    func scenario(_ name: String) async throws {
        try await control("scenario", ["name": name])
    }

    /// Every API call the stand-in received.
    func calls() async throws -> [[String: Any]] {
        try await control("requests") as? [[String: Any]] ?? []
    }

    /// (jobs, number of /jobs/launch calls).
    func jobs() async throws -> ([[String: Any]], Int) {
        let object = try await control("jobs") as? [String: Any] ?? [:]
        return (object["jobs"] as? [[String: Any]] ?? [], object["launches"] as? Int ?? 0)
    }
}
