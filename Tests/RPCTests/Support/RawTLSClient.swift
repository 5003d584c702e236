#if canImport(Glibc)
import Glibc
#endif
import HTTP2
import TLS
@testable import RPC

/// A gRPC client that moves bytes only when told: it can stop reading its socket entirely,
/// which `GRPCChannel` (it always reads) cannot. Blocking, test thread only.
final class RawTLSClient {
    let fd: Int32
    let tls: TLSSession
    let h2: HTTP2Session
    var events: [HTTP2Event] = []

    init(port: Int, tls configuration: TLSConfiguration, settings: HTTP2Settings = HTTP2Settings()) throws {
        fd = try Socket.connect(host: "127.0.0.1", port: port)
        tls = try TLSSession(configuration: configuration, serverName: "localhost")
        h2 = try HTTP2Session(role: .client, settings: settings)
        while !(try tls.handshake()) { try exchange(wait: 100) }
        try exchange(wait: 0)
    }

    deinit { close(fd) }

    /// Writes what TLS and HTTP/2 want to send; reads for up to `wait` ms if bytes arrive.
    func exchange(wait: Int32) throws {
        try write()
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, wait) > 0 else { return }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return }
        buf[0..<n].withUnsafeBytes { tls.feedCiphertext($0) }
        if tls.isHandshakeComplete {
            var plain: [UInt8] = []
            while case .bytes = try tls.readPlaintext(into: &plain) {}
            if !plain.isEmpty { try plain.withUnsafeBytes { try h2.receive($0) } }
            events += h2.takeEvents()
        }
    }

    /// Writes what TLS and HTTP/2 want to send, and reads nothing.
    func write() throws {
        if tls.isHandshakeComplete {
            var plain: [UInt8] = []
            try h2.send(into: &plain)
            if !plain.isEmpty { try plain.withUnsafeBytes { try tls.writePlaintext($0) } }
        }
        var cipher: [UInt8] = []
        tls.drainCiphertext(into: &cipher)
        var off = 0
        while off < cipher.count {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, 1000)
            let n = cipher.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n > 0 { off += n }
        }
    }
}
