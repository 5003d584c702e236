/// The fields of /proc/<pid>/stat that re-adoption needs.
struct ProcessStat: Equatable {
    let state: Character
    /// Field 22: clock ticks after boot when the process started; with the pid, unique.
    let startTime: UInt64

    static func read(pid: Int32, procRoot: String = "/proc") -> ProcessStat? {
        guard let text = try? FileIO.read("\(procRoot)/\(pid)/stat") else { return nil }
        return parse(text)
    }

    /// The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    static func parse(_ text: String) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return ProcessStat(state: state, startTime: start)
    }
}
