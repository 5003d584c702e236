import Glibc
import JobletCore

/// Turns what is known when a job's init is gone into a `JobExit` with a reason a person can read.
struct JobExitInterpreter {
    let command: String
    let memoryLimitMB: Int?

    /// `record`: the init's exit-status file; `reaped`: the init's own wait status when it was
    /// our child. The record wins: it is the command's status, not the init's.
    func exit(record: ExitStatusRecord?, reaped: (code: Int32, signal: Int32)?, usage: JobResourceUsage, stopped: Bool) -> JobExit {
        var exit = JobExit(exitCode: -1, stopped: stopped, usage: usage)
        exit.oomKilled = usage.oomKills > 0
        if let record, record.commandNeverRan {
            return commandNeverRan(record, exit)
        }
        let status: (code: Int32, signal: Int32)? = record.map { ($0.code, $0.signal) } ?? reaped
        guard let status else {
            exit.reason = stopped ? "stopped" : "exit status unknown: the job ended while jobletd was not watching and left no status"
            return exit
        }
        exit.exitCode = status.signal != 0 ? 128 + status.signal : status.code
        exit.signal = status.signal != 0 ? status.signal : nil
        if exit.oomKilled {
            exit.reason = "killed: out of memory" + (memoryLimitMB.map { " (limit \($0) MB)" } ?? "")
        } else if status.signal != 0 {
            exit.reason = "killed by signal \(status.signal) (\(SignalName.of(status.signal)))"
        } else if status.code != 0 {
            exit.reason = JobExitReason.exited(code: status.code)
        }
        if stopped { exit.reason = exit.reason.isEmpty ? "stopped" : "stopped: \(exit.reason)" }
        return exit
    }

    private func commandNeverRan(_ record: ExitStatusRecord, _ base: JobExit) -> JobExit {
        var exit = base
        let why = LinuxError.message(for: record.errno)
        if record.failedToExec {
            exit.exitCode = record.errno == ENOENT ? 127 : 126
            exit.reason = record.errno == ENOENT ? "\(command): command not found" : "\(command): \(why)"
        } else if record.failedToChdir {
            exit.exitCode = 127
            exit.reason = "cannot enter the working directory: \(why)"
        } else {
            exit.exitCode = 127
            exit.reason = "cannot switch to the job's user: \(why)"
        }
        return exit
    }
}
