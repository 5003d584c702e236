#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop

/// An error from a system call, naming the call and errno.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let errno: Int32

    public var description: String { "\(function): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Runs a system call, retrying EINTR. EAGAIN comes back as nil so callers can wait for epoll.
@inline(__always)
func syscallRetrying<T: FixedWidthInteger>(_ function: String, _ body: () -> T) throws(SystemError) -> T? {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let err = Glibc.errno
        if err == EINTR { continue }
        if err == EAGAIN || err == EWOULDBLOCK { return nil }
        throw SystemError(function: function, errno: err)
    }
}
