import Foundation
import Glibc
import Synchronization

/// Serves `GET /metrics` over plain HTTP/1.1 on one dedicated thread with a blocking accept: a
/// scraper connects every few seconds, so one connection at a time is plenty, and the gRPC event
/// loops never see this traffic. Bounded: an 8 KiB request head, 5 s to send it and to read the
/// answer, one request per connection (Connection: close).
public final class MetricsHTTPListener: Sendable {
    let fd: Int32
    public let port: Int
    let render: @Sendable () -> [UInt8]
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    static let ioTimeout = timeval(tv_sec: 5, tv_usec: 0)

    /// Binds `host:port` (port 0 picks one); throws a one-line reason.
    public init(host: String, port: Int, render: @escaping @Sendable () -> [UInt8]) throws {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw ConfigurationError("metrics address \(host):\(port): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let s = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw ConfigurationError("metrics listener: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(s, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(s, 16) == 0 else {
            let why = String(cString: strerror(errno))
            close(s)
            throw ConfigurationError("cannot listen for metrics on \(host):\(port): \(why)")
        }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        let raw = withUnsafeBytes(of: storage) { Array($0) }
        // sin_port and sin6_port sit at the same offset, in network order.
        self.port = Int(raw[2]) << 8 | Int(raw[3])
        self.fd = s
        self.render = render
        let thread = Thread { [self] in self.acceptLoop() }
        thread.name = "jobletd-metrics"
        thread.start()
    }

    /// Stops accepting and waits for the thread to leave.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        Glibc.shutdown(fd, Int32(SHUT_RDWR))  // wakes the blocked accept
        finished.wait()
        close(fd)
    }

    private func acceptLoop() {
        defer { finished.signal() }
        while !stopped.load(ordering: .relaxed) {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                    if errno == EMFILE || errno == ENFILE { usleep(100_000) }
                    continue
                }
                return
            }
            // Glibc's module has no accept4; a job spawned in this instant could inherit the fd,
            // but joblet-init closes every inherited descriptor before the job's code runs.
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            serve(c)
            closeGracefully(c)
        }
    }

    private func serve(_ c: Int32) {
        var timeout = Self.ioTimeout
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        var complete = false
        while head.count < MetricsHTTPRoute.maxHeadBytes {
            let n = chunk.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return write(c, MetricsHTTPRoute.response(code: 408, contentType: "text/plain", body: Array("request head not sent in time\n".utf8)))
            }
            if n <= 0 { return }
            head.append(contentsOf: chunk[0..<n])
            if Self.endsHead(head) { complete = true; break }
        }
        guard complete else {
            return write(c, MetricsHTTPRoute.response(code: 431, contentType: "text/plain", body: Array("request head over 8 KiB\n".utf8)))
        }
        switch MetricsHTTPRoute.route(head) {
        case .metrics(let onlyHead):
            write(c, MetricsHTTPRoute.response(code: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                               body: render(), includeBody: !onlyHead))
        case .status(let code, let message):
            write(c, MetricsHTTPRoute.response(code: code, contentType: "text/plain", body: Array(message.utf8)))
        }
    }

    /// Closing with unread input would send RST and could destroy the answer in flight (a 431 to
    /// an oversized head): say we are done, drain a bounded amount for up to a second, then close.
    private func closeGracefully(_ c: Int32) {
        Glibc.shutdown(c, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < 1 << 16 {
            let n = chunk.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            drained += n
        }
        close(c)
    }

    static func endsHead(_ bytes: [UInt8]) -> Bool {
        // Anywhere, not only at the end (a client may send a body; it is ignored).
        guard bytes.count >= 4 else { return false }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return true
        }
        return false
    }

    private func write(_ c: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(c, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
