import Glibc

/// Small whole-file reads and writes, as cgroupfs and procfs want them: one read, one write.
enum FileIO {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func read(_ path: String) throws -> String {
        let fd = try systemCall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = try systemCall("read", path: path) { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func readTrimmed(_ path: String) -> String? {
        (try? read(path))?.trimmingWhitespace
    }

    /// One write() of the whole value: cgroupfs parses each write as a unit.
    static func write(_ text: String, to path: String, create: Bool = false) throws {
        let flags = O_WRONLY | O_CLOEXEC | O_TRUNC | (create ? O_CREAT : 0)
        let fd = try systemCall("open", path: path) { open(path, flags, 0o644) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = try systemCall("write", path: path) { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        if n != bytes.count { throw LinuxError("write", path: path, errno: EIO) }
    }

    /// mkdir that treats "already there" as success.
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        if mkdir(path, mode) == 0 || Glibc.errno == EEXIST { return }
        throw LinuxError("mkdir", path: path, errno: Glibc.errno)
    }

    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            try makeDirectory(current, mode: mode)
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }

    /// "key value" lines (memory.events, pids.events, memory.oom_control) as a dictionary.
    var keyedCounters: [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = UInt64(parts[1]) { result[String(parts[0])] = v }
        }
        return result
    }
}
