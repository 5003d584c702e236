#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop

/// Thin helpers over BSD sockets; every descriptor is non-blocking and close-on-exec.
enum Socket {
    /// Resolves `host` (name, IPv4, or IPv6 with or without brackets) for a TCP socket.
    static func resolve(host: String, port: Int, passive: Bool) throws -> [(family: Int32, storage: sockaddr_storage, length: socklen_t)] {
        var h = host
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(h.isEmpty ? nil : h, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw SystemError(function: "getaddrinfo(\(host)): \(String(cString: gai_strerror(rc)))", errno: 0)
        }
        defer { freeaddrinfo(first) }
        var out: [(Int32, sockaddr_storage, socklen_t)] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: ai.pointee.ai_addr, count: Int(ai.pointee.ai_addrlen)))
            }
            out.append((ai.pointee.ai_family, storage, ai.pointee.ai_addrlen))
            p = ai.pointee.ai_next
        }
        return out
    }

    static func listen(host: String, port: Int, backlog: Int32 = 1024) throws -> (fd: Int32, port: Int) {
        var lastError: Error = SystemError(function: "listen: no address for \(host)", errno: 0)
        for addr in try resolve(host: host, port: port, passive: true) {
            let fd = Glibc.socket(addr.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = SystemError(function: "socket", errno: errno); continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var storage = addr.storage
            let bound = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, addr.length) }
            }
            if bound != 0 {
                lastError = SystemError(function: "bind \(host):\(port)", errno: errno)
                close(fd); continue
            }
            if Glibc.listen(fd, backlog) != 0 {
                lastError = SystemError(function: "listen \(host):\(port)", errno: errno)
                close(fd); continue
            }
            return (fd, localPort(fd))
        }
        throw lastError
    }

    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return port(of: storage)
    }

    static func port(of storage: sockaddr_storage) -> Int {
        var s = storage
        return withUnsafePointer(to: &s) { p -> Int in
            if Int32(storage.ss_family) == AF_INET6 {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    static func describe(_ storage: sockaddr_storage) -> String {
        var s = storage
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(storage.ss_family)
        withUnsafePointer(to: &s) { p in
            if family == AF_INET6 {
                p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var addr = a.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &buf, socklen_t(buf.count))
                }
            } else {
                p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    var addr = a.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &addr, &buf, socklen_t(buf.count))
                }
            }
        }
        let host = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return family == AF_INET6 ? "[\(host)]:\(port(of: storage))" : "\(host):\(port(of: storage))"
    }

    /// Accepts one pending connection, or nil when none is waiting.
    static func accept(_ listener: Int32) throws -> (fd: Int32, peer: String)? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = try syscallRetrying("accept4") {
            withUnsafeMutablePointer(to: &storage) { CEventLoop_accept(listener, $0, &len) }
        }
        guard let fd else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return (fd, describe(storage))
    }

    /// Starts a non-blocking connect; completion is signalled by writability.
    static func connect(host: String, port: Int) throws -> Int32 {
        var lastError: Error = SystemError(function: "connect: no address for \(host)", errno: 0)
        for addr in try resolve(host: host, port: port, passive: false) {
            let fd = Glibc.socket(addr.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = SystemError(function: "socket", errno: errno); continue }
            var storage = addr.storage
            let rc = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, addr.length) }
            }
            if rc == 0 || errno == EINPROGRESS {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            lastError = SystemError(function: "connect \(host):\(port)", errno: errno)
            close(fd)
        }
        throw lastError
    }

    static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err
    }
}
