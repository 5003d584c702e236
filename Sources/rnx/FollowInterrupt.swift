import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C while `rnx … --follow` / `rnx log` follows a job: following stops, the job does not;
/// say so, and how to stop it.
enum FollowInterrupt {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    static func install(jobID: String) {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let short = String(jobID.prefix(8))
        s.setEventHandler {
            Output.writeAll(Array("""

                rnx: stopped following job \(short); the job keeps running on the server.
                rnx: to stop it: rnx job stop \(short)    (its log again: rnx job log \(short))

                """.utf8), to: STDERR_FILENO)
            exit(130)
        }
        s.resume()
        source = s
    }
}
