import TLS

/// A server and a client TLSSession wired back to back in memory: the test is the network.
final class TLSPair {
    let server: TLSSession
    let client: TLSSession
    var serverError: TLSError?
    var clientError: TLSError?

    init(server: TLSConfiguration, client: TLSConfiguration, serverName: String? = "localhost") throws {
        self.server = try TLSSession(configuration: server)
        self.client = try TLSSession(configuration: client, serverName: serverName)
    }

    /// Moves bytes both ways, stepping each side's handshake, until both finish or one fails and
    /// nothing is left in flight (so the failing side's alert reaches the other).
    func handshake() {
        for _ in 0..<50 {
            if clientError == nil, !client.isHandshakeComplete {
                do { _ = try client.handshake() } catch { clientError = error as? TLSError }
            }
            if serverError == nil, !server.isHandshakeComplete {
                do { _ = try server.handshake() } catch { serverError = error as? TLSError }
            }
            // A TLS 1.3 client finishes before the server has checked its certificate: reading
            // is what surfaces the server's alert.
            if client.isHandshakeComplete, clientError == nil {
                var sink: [UInt8] = []
                do { _ = try client.readPlaintext(into: &sink) } catch { clientError = error as? TLSError }
            }
            let moved = transfer()
            let done = (server.isHandshakeComplete || serverError != nil) && (client.isHandshakeComplete || clientError != nil)
            if done && !moved { return }
        }
    }

    /// Moves all pending ciphertext once in each direction; true if any byte moved.
    @discardableResult
    func transfer() -> Bool {
        var toServer: [UInt8] = []
        client.drainCiphertext(into: &toServer)
        toServer.withUnsafeBytes { server.feedCiphertext($0) }
        var toClient: [UInt8] = []
        server.drainCiphertext(into: &toClient)
        toClient.withUnsafeBytes { client.feedCiphertext($0) }
        return !toServer.isEmpty || !toClient.isEmpty
    }

    /// Sends `bytes` from one side and reads until the other has them all.
    func send(_ bytes: [UInt8], from sender: TLSSession, to receiver: TLSSession) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try sender.writePlaintext($0) }
        var received: [UInt8] = []
        received.reserveCapacity(bytes.count)
        for _ in 0..<10_000 where received.count < bytes.count {
            transfer()
            _ = try receiver.readPlaintext(into: &received)
        }
        return received
    }
}
