/// The fields of /proc/<pid>/stat that the process table needs.
public struct ProcessStatText: Sendable, Equatable {
    public var pid: Int32 = 0
    public var name = ""
    public var state: Character = "?"
    public var ppid: Int32 = 0
    /// utime + stime, clock ticks.
    public var cpuTicks: UInt64 = 0
    public var threads = 0
    /// Clock ticks after boot.
    public var startTicks: UInt64 = 0
    public var rssPages: Int64 = 0

    /// The name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    public static func parse(_ text: Substring) -> ProcessStatText? {
        Array(text.utf8).withUnsafeBufferPointer { parse(bytes: $0) }
    }

    /// The same over raw bytes, allocating only the name: the process table reads one of these
    /// per process per sample.
    public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> ProcessStatText? {
        guard let open = b.firstIndex(of: UInt8(ascii: "(")), let close = b.lastIndex(of: UInt8(ascii: ")")), open < close
        else { return nil }
        var pid: Int32 = 0
        for i in 0..<open where b[i] != UInt8(ascii: " ") {
            guard b[i] >= 48 && b[i] <= 57 else { return nil }
            pid = pid &* 10 &+ Int32(b[i] - 48)
        }
        // Field n (n >= 3) starts after the (n-2)th space following ')'.
        var fields = [Int](repeating: 0, count: 22)
        var count = 0, i = close + 1
        while i < b.count && count < 22 {
            if b[i] == UInt8(ascii: " ") {
                var j = i + 1
                while j < b.count && b[j] == UInt8(ascii: " ") { j += 1 }
                if j < b.count { fields[count] = j; count += 1 }
                i = j
            } else {
                i += 1
            }
        }
        guard count == 22 else { return nil }
        func number(_ f: Int) -> UInt64 {
            var n: UInt64 = 0, k = fields[f]
            while k < b.count, b[k] >= 48, b[k] <= 57 { n = n &* 10 &+ UInt64(b[k] - 48); k += 1 }
            return n
        }
        var r = ProcessStatText()
        r.pid = pid
        r.name = String(decoding: UnsafeBufferPointer(rebasing: b[(open + 1)..<close]), as: UTF8.self)
        r.state = Character(Unicode.Scalar(b[fields[0]]))
        r.ppid = Int32(truncatingIfNeeded: number(1))
        r.cpuTicks = number(11) &+ number(12)
        r.threads = Int(number(17))
        r.startTicks = number(19)
        r.rssPages = Int64(number(21))
        return r
    }

    /// ps's words for the state letter.
    public var statusName: String {
        switch state {
        case "R": "running"
        case "S": "sleeping"
        case "D": "disk-sleep"
        case "T", "t": "stopped"
        case "Z": "zombie"
        case "X", "x": "dead"
        case "I": "idle"
        default: String(state)
        }
    }
}
