/// The reason text of a job that simply exited non-zero, in one place: the Linux backend writes
/// it, and the engine recognises it (the job's own output already tells that story, so jobletd
/// adds no note to its log; a job that could not start, was killed or ran out of memory gets one).
public enum JobExitReason {
    public static func exited(code: Int32) -> String { "exited with code \(code)" }

    public static func isPlainExit(_ reason: String) -> Bool {
        guard reason.hasPrefix("exited with code ") else { return false }
        return Int32(reason.dropFirst("exited with code ".count)) != nil
    }
}
