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
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
              let pid = Int32(text[..<open].trimmingCharacters(in: .whitespaces)) else { return nil }
        let f = text[text.index(after: close)...].split(separator: " ")
        // f[0] is field 3 (state): field n is f[n - 3].
        guard f.count > 21, let state = f[0].first else { return nil }
        var r = ProcessStatText()
        r.pid = pid
        r.name = String(text[text.index(after: open)..<close])
        r.state = state
        r.ppid = Int32(f[1]) ?? 0
        r.cpuTicks = (UInt64(f[11]) ?? 0) &+ (UInt64(f[12]) ?? 0)
        r.threads = Int(f[17]) ?? 0
        r.startTicks = UInt64(f[19]) ?? 0
        r.rssPages = Int64(f[21]) ?? 0
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
