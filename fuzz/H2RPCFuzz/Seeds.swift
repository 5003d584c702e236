import Foundation
import HTTP2
import JobletAPI
import ProtoWire
@testable import RPC

/// Valid gRPC conversations made by a real HTTP2Session client, as fuzz seeds (mode byte 0).
func writeSeeds(to dir: String) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func headers(_ path: String, method: String = "POST", contentType: String = "application/grpc",
                 extra: [(String, String)] = []) -> [HTTP2Header] {
        [HTTP2Header(name: ":method", value: method), HTTP2Header(name: ":scheme", value: "https"),
         HTTP2Header(name: ":path", value: path), HTTP2Header(name: ":authority", value: "localhost"),
         HTTP2Header(name: "content-type", value: contentType), HTTP2Header(name: "te", value: "trailers"),
         HTTP2Header(name: "grpc-accept-encoding", value: "identity,gzip")]
        + extra.map { HTTP2Header(name: $0.0, value: $0.1) }
    }
    func simple(_ body: [UInt8]) -> [UInt8] {
        var req = Grpc_Testing_SimpleRequest()
        req.payload = Grpc_Testing_Payload()
        req.payload?.body = body
        return req.serializedBytes()
    }
    func streaming(_ sizes: [Int32]) -> [UInt8] {
        var req = Grpc_Testing_StreamingOutputCallRequest()
        req.responseParameters = sizes.map { var p = Grpc_Testing_ResponseParameters(); p.size = $0; return p }
        return req.serializedBytes()
    }
    let unary = "/grpc.testing.TestService/UnaryCall", output = "/grpc.testing.TestService/StreamingOutputCall"
    let duplex = "/grpc.testing.TestService/FullDuplexCall", input = "/grpc.testing.TestService/StreamingInputCall"
    typealias Script = (HTTP2Session) throws -> Void
    let scripts: [(String, Script)] = [
        ("unary", { c in
            let id = try c.submitRequest(headers: headers(unary), endStream: false)
            try c.submitData(stream: id, bytes: MessageFramer.frame(simple([1, 2, 3]), compressed: false), endStream: true) }),
        ("unary-gzip", { c in
            let id = try c.submitRequest(headers: headers(unary, extra: [("grpc-encoding", "gzip")]), endStream: false)
            try c.submitData(stream: id, bytes: MessageFramer.frame(try Gzip.compress(simple(Array(repeating: 9, count: 300))), compressed: true), endStream: true) }),
        ("unary-timeout-meta", { c in
            let id = try c.submitRequest(headers: headers(unary, extra: [("grpc-timeout", "1n"), ("x-a", "b"), ("x-c-bin", "AAEC")]), endStream: false)
            try c.submitData(stream: id, bytes: MessageFramer.frame(simple([]), compressed: false), endStream: true) }),
        ("server-streaming", { c in
            let id = try c.submitRequest(headers: headers(output), endStream: false)
            try c.submitData(stream: id, bytes: MessageFramer.frame(streaming([10, 2000, 0]), compressed: false), endStream: true) }),
        ("bidi", { c in
            let id = try c.submitRequest(headers: headers(duplex), endStream: false)
            let m = MessageFramer.frame(streaming([1]), compressed: false)
            try c.submitData(stream: id, bytes: m + m, endStream: true) }),
        ("client-streaming-reset", { c in
            let id = try c.submitRequest(headers: headers(input), endStream: false)
            try c.submitData(stream: id, bytes: MessageFramer.frame(simple([5]), compressed: false), endStream: false)
            try c.resetStream(id, errorCode: 8) }),
        ("errors", { c in
            _ = try c.submitRequest(headers: headers("/nope.Svc/M"), endStream: true)
            _ = try c.submitRequest(headers: headers(unary, method: "GET"), endStream: true)
            _ = try c.submitRequest(headers: headers(unary, contentType: "text/plain"), endStream: true)
            let id = try c.submitRequest(headers: headers(unary), endStream: false)
            try c.submitData(stream: id, bytes: [0, 0xFF, 0xFF, 0xFF, 0xFF], endStream: true) }),
        ("two-unary", { c in
            for _ in 0..<2 {
                let id = try c.submitRequest(headers: headers(unary), endStream: false)
                try c.submitData(stream: id, bytes: MessageFramer.frame(simple([4]), compressed: false), endStream: true)
            } }),
    ]
    for (name, script) in scripts {
        let client = try HTTP2Session(role: .client)
        try script(client)
        var bytes: [UInt8] = [0]
        try client.send(into: &bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/seed-" + name))
        var chunked = bytes
        chunked[0] = 7 << 1  // the same conversation fed 7 bytes at a time
        try Data(chunked).write(to: URL(fileURLWithPath: dir + "/seed-" + name + "-chunked"))
    }
}
