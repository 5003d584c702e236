import CJobletLinux
import Dispatch
import Foundation
import Glibc
import Synchronization

/// One thread for every job's exit: an epoll set over the jobs' pidfds (readable when the process
/// has exited). A job costs an fd and a dictionary entry, not a thread; handlers run on Dispatch's
/// pool, so a slow cleanup (a cgroup that takes long to empty) delays no other job's exit.
final class ExitWatcher: Sendable {
    private let epollFD: Int32
    /// Readable when the watcher should stop (tag 0 in the epoll set).
    private let stopFD: Int32
    private let watched = Mutex(Watched())

    private struct Watched {
        var next: UInt64 = 1
        var entries: [UInt64: (pidfd: PidFD, onExit: @Sendable () -> Void)] = [:]
        var threadStarted = false
        var stopped = false
    }

    init() {
        epollFD = CJobletLinux_epoll_create()
        stopFD = CJobletLinux_eventfd_cloexec()
        if epollFD >= 0, stopFD >= 0 { _ = CJobletLinux_epoll_add(epollFD, stopFD, 0) }
    }

    deinit {
        close(epollFD)
        close(stopFD)
    }

    /// Calls `onExit` once, on a Dispatch thread, when the process behind `pidfd` has exited.
    func watch(_ pidfd: PidFD, onExit: @escaping @Sendable () -> Void) throws {
        guard epollFD >= 0, stopFD >= 0 else { throw LocalJobError.system(LinuxError("epoll_create1", errno: ENOMEM)) }
        let start: Bool = try watched.withLock { w in
            guard !w.stopped else { throw LocalJobError.spawnFailed("the exit watcher was stopped (the server is stopping)") }
            let tag = w.next
            w.next += 1
            w.entries[tag] = (pidfd, onExit)
            if CJobletLinux_epoll_add(epollFD, pidfd.fd, tag) != 0 {
                let e = errno
                w.entries[tag] = nil
                throw LocalJobError.system(LinuxError("epoll_ctl", errno: e))
            }
            guard !w.threadStarted else { return false }
            w.threadStarted = true
            return true
        }
        if start {
            let thread = Thread { [self] in run() }
            thread.name = "joblet-exits"
            thread.stackSize = 256 * 1024
            thread.start()
        }
    }

    /// Stops watching: no handler is started after this returns (one already handed to Dispatch may
    /// still be running); the processes are not touched.
    func stop() {
        watched.withLock { $0.stopped = true; $0.entries.removeAll() }
        var one: UInt64 = 1
        _ = Glibc.write(stopFD, &one, 8)
    }

    private func run() {
        var tags = [UInt64](repeating: 0, count: 64)
        while true {
            let n = tags.withUnsafeMutableBufferPointer { CJobletLinux_epoll_wait(epollFD, $0.baseAddress, 64, -1) }
            if n < 0 { return }
            for tag in tags.prefix(Int(n)) {
                if tag == 0 { return }
                let handler: (@Sendable () -> Void)? = watched.withLock { w in
                    guard let entry = w.entries.removeValue(forKey: tag) else { return nil }
                    _ = CJobletLinux_epoll_remove(epollFD, entry.pidfd.fd)
                    return entry.onExit
                }
                if let handler { DispatchQueue.global().async(execute: handler) }
            }
        }
    }
}
