import Foundation
import GRDB

/// What a failed database write means for the caller: a full disk (RESOURCE_EXHAUSTED) or an
/// I/O failure of the storage (UNAVAILABLE) may pass and are worth retrying; anything else keeps
/// its meaning (the state machine's refusals, a missing job).
enum StorageFailure {
    static func classify(_ error: any Error, doing what: String) -> JobletError {
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_FULL:
                return .resourceExhausted("\(what): the disk holding the job database is full (SQLite: \(db.message ?? "database or disk is full")); free space in the data directory")
            case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY:
                return .unavailable("\(what): the job database could not be written (SQLite \(db.resultCode.rawValue): \(db.message ?? "I/O error"))")
            default:
                break
            }
        }
        return JobletError(wrapping: error, doing: what)
    }

    static func isRetryable(_ error: any Error) -> Bool {
        guard let e = error as? JobletError else { return false }
        return e.code == .resourceExhausted || e.code == .unavailable
    }

    /// Runs `store` until it succeeds or fails for a reason other than storage: a backend's report
    /// (above all a job's end) must not be lost to a disk that is full for a while. Logged loudly
    /// on standard error at every failed attempt; backs off from 50 ms to 5 s; gives up only after
    /// a week (a bound, so that nothing loops forever).
    static func retryingTransition<T: Sendable>(jobID: String, to status: JobStatus,
                                                _ store: @Sendable () async throws -> T) async throws -> T {
        var delay = Duration.milliseconds(50)
        let deadline = ContinuousClock.now + .seconds(7 * 24 * 3600)
        var attempt = 0
        while true {
            do {
                let result = try await store()
                if attempt > 0 {
                    log("stored job \(jobID) -> \(status.rawValue) after \(attempt) failed attempts")
                }
                return result
            } catch where isRetryable(error) && ContinuousClock.now < deadline {
                attempt += 1
                log("ERROR: cannot store job \(jobID) -> \(status.rawValue) (attempt \(attempt)), retrying in \(delay): \(error)")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private static func log(_ line: String) {
        FileHandle.standardError.write(Data("jobletd: \(line)\n".utf8))
    }
}
