import CJobletLinux

/// What the job's init wrote to `<jobDirectory>/exit-status` as it exited:
/// "<code> <signal> <errno> <stage>", errno and stage non-zero when the command never ran.
struct ExitStatusRecord: Equatable {
    let code: Int32
    let signal: Int32
    let errno: Int32
    let stage: Int32

    static func path(jobDirectory: String) -> String { "\(jobDirectory)/exit-status" }

    static func read(jobDirectory: String) -> ExitStatusRecord? {
        guard let text = FileIO.readTrimmed(path(jobDirectory: jobDirectory)) else { return nil }
        return parse(text)
    }

    static func parse(_ text: String) -> ExitStatusRecord? {
        let numbers = text.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        guard numbers.count == 4 else { return nil }
        return ExitStatusRecord(code: numbers[0], signal: numbers[1], errno: numbers[2], stage: numbers[3])
    }

    var commandNeverRan: Bool { errno != 0 }
    var failedToExec: Bool { stage == Int32(CJobletLinux_StageExec) }
    var failedToChdir: Bool { stage == Int32(CJobletLinux_StageChdir) }
}
