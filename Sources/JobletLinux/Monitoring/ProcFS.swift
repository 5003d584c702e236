import Glibc

/// Reads procfs, sysfs and /etc files; a missing one reads as nil. Its roots are settable so that
/// tests can point it at a fixture tree.
public struct ProcFS: Sendable {
    public var proc: String
    public var sys: String
    public var etc: String

    public init(proc: String = "/proc", sys: String = "/sys", etc: String = "/etc") {
        self.proc = proc
        self.sys = sys
        self.etc = etc
    }

    func read(_ path: String) -> String? { try? FileIO.read(path) }
    func proc(_ name: String) -> String? { read("\(proc)/\(name)") }
    func trimmed(_ path: String) -> String? { FileIO.readTrimmed(path) }

    /// Reads a small file into `buffer` (reused across calls); the bytes read, or nil.
    func read(_ path: String, into buffer: inout [UInt8]) -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
        }
        return total
    }

    /// Numeric entries of /proc.
    func pids() -> [Int32] {
        guard let dir = opendir(proc) else { return [] }
        defer { closedir(dir) }
        var r: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                let bytes = raw.bindMemory(to: UInt8.self)
                var n: Int32 = 0
                var i = 0
                while i < bytes.count, bytes[i] != 0 {
                    let d = bytes[i]
                    guard d >= 48, d <= 57 else { return nil }
                    n = n &* 10 &+ Int32(d - 48)
                    i += 1
                }
                return i == 0 ? nil : n
            }
            if let pid = name { r.append(pid) }
        }
        return r
    }

    /// Names in a directory (no "." or "..").
    func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var r: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { r.append(name) }
        }
        return r
    }

    /// The owner of /proc/<pid>: the process's real uid.
    func owner(pid: Int32) -> UInt32? {
        var st = stat()
        return stat("\(proc)/\(pid)", &st) == 0 ? st.st_uid : nil
    }
}
