import Glibc

/// A failed system call: which call, on what, and errno.
public struct LinuxError: Error, CustomStringConvertible, Sendable, Equatable {
    public let function: String
    public let path: String?
    public let errno: Int32

    public init(_ function: String, path: String? = nil, errno: Int32) {
        self.function = function
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let target = path.map { "(\($0))" } ?? ""
        return "\(function)\(target): \(LinuxError.message(for: errno))"
    }

    static func message(for errno: Int32) -> String { String(cString: strerror(errno)) }
}

/// Runs a system call that returns -1 on failure, retrying EINTR.
@discardableResult
func systemCall<T: FixedWidthInteger>(_ function: String, path: String? = nil, _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw LinuxError(function, path: path, errno: code)
    }
}
