import HTTP2

/// A client and a server HTTP2Session wired back to back in memory, with every event each saw.
final class HTTP2Pair {
    let client: HTTP2Session
    let server: HTTP2Session
    var clientEvents: [HTTP2Event] = []
    var serverEvents: [HTTP2Event] = []
    /// Feed the receiving side one byte per receive() call, to exercise every partial-frame path.
    var byteByByte = false

    init(settings: HTTP2Settings = HTTP2Settings()) throws {
        client = try HTTP2Session(role: .client, settings: settings)
        server = try HTTP2Session(role: .server, settings: settings)
    }

    /// Moves frames both ways until neither side has anything to write.
    func pump(rounds: Int = 10_000) throws {
        for _ in 0..<rounds {
            var toServer: [UInt8] = []
            try client.send(into: &toServer)
            var toClient: [UInt8] = []
            try server.send(into: &toClient)
            collect()
            if toServer.isEmpty && toClient.isEmpty { return }
            try deliver(toServer, to: server)
            try deliver(toClient, to: client)
            collect()
        }
    }

    func deliver(_ bytes: [UInt8], to session: HTTP2Session) throws {
        if byteByByte {
            for index in bytes.indices {
                try bytes[index...index].withUnsafeBytes { try session.receive($0) }
            }
        } else {
            try bytes.withUnsafeBytes { try session.receive($0) }
        }
    }

    func collect() {
        clientEvents += client.takeEvents()
        serverEvents += server.takeEvents()
    }

    static let requestHeaders = [
        HTTP2Header(name: ":method", value: "POST"), HTTP2Header(name: ":scheme", value: "https"),
        HTTP2Header(name: ":path", value: "/joblet.JobService/RunJob"), HTTP2Header(name: ":authority", value: "localhost"),
        HTTP2Header(name: "content-type", value: "application/grpc"), HTTP2Header(name: "te", value: "trailers"),
    ]
    static let responseHeaders = [HTTP2Header(name: ":status", value: "200"),
                                  HTTP2Header(name: "content-type", value: "application/grpc")]
    static let trailers = [HTTP2Header(name: "grpc-status", value: "0"), HTTP2Header(name: "grpc-message", value: "ok")]
}

extension [HTTP2Event] {
    /// All DATA bytes for `stream`, in order.
    func bytes(on stream: HTTP2StreamID) -> [UInt8] {
        var result: [UInt8] = []
        for case let .data(id, bytes, _) in self where id == stream { result += bytes }
        return result
    }

    func closeCode(of stream: HTTP2StreamID) -> UInt32? {
        for case let .streamClosed(id, code) in self where id == stream { return code }
        return nil
    }
}
