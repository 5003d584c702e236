#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open file descriptor on a log file, closed in `deinit`. Used by one task at a time.
final class LogFile {
    let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Opens for reading; nil when the file does not exist (yet).
    static func openForReading(_ path: String) throws -> LogFile? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw LogFile.error("opening", path)
        }
        return LogFile(descriptor: fd)
    }

    /// Opens for appending, creating it (mode 0600) if needed.
    static func openForAppending(_ path: String) throws -> LogFile {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogFile.error("opening", path) }
        return LogFile(descriptor: fd)
    }

    /// Up to `count` bytes from `offset`; empty at end of file.
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        while true {
            var failure: Int32 = 0
            let buffer = [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
                let n = pread(descriptor, storage.baseAddress, count, off_t(offset))
                failure = n < 0 ? errno : 0
                initialized = max(0, n)
            }
            if failure == 0 { return buffer }
            if failure != EINTR {
                errno = failure
                throw LogFile.error("reading", "fd \(descriptor)")
            }
        }
    }

    /// Writes all of `bytes` (the descriptor is O_APPEND: each write lands at the end).
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = write(descriptor, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw LogFile.error("writing", "fd \(descriptor)")
            }
            base += n
            left -= n
        }
    }

    static func error(_ doing: String, _ what: String) -> JobletError {
        .internal("\(doing) log file \(what): \(String(cString: strerror(errno)))")
    }
}
