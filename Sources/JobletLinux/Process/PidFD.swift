import CJobletLinux
import Glibc

/// Owns a pidfd; closed when the last user lets go, so a stop racing an exit never signals a
/// recycled descriptor.
final class PidFD: Sendable {
    let fd: Int32

    init(_ fd: Int32) { self.fd = fd }

    static func open(pid: Int32) -> PidFD? {
        let fd = CJobletLinux_pidfd_open(pid)
        return fd < 0 ? nil : PidFD(fd)
    }

    /// False when the process is already gone.
    @discardableResult
    func send(_ signal: Int32) -> Bool { CJobletLinux_pidfd_send_signal(fd, signal) == 0 }

    var hasExited: Bool { CJobletLinux_pidfd_wait(fd, 0) == 1 }

    /// Reaps the process if it is our child; nil for a non-child (ECHILD) or one not yet exited.
    func reap() -> (code: Int32, signal: Int32)? {
        var code: Int32 = 0, signal: Int32 = 0
        return CJobletLinux_pidfd_reap(fd, &code, &signal, 1) == 0 ? (code, signal) : nil
    }

    deinit { close(fd) }
}
