import Foundation
import JobletAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Large uploads take a while: say how much is going, show how far it got (one line redrawn on
/// a terminal, every 25 % otherwise), then how long it took; all on stderr. Below `threshold`
/// nothing is printed.
final class UploadNotice: Sendable {
    static let threshold = 4 << 20

    let bytes: Int
    let files: Int
    let start = ContinuousClock.now
    let terminal = isatty(STDERR_FILENO) == 1
    /// The last percentage shown (progress comes from the connection's loop thread).
    private let shown = Mutex(-1)

    init?(_ request: Joblet_RunJobRequest) {
        bytes = request.uploads.reduce(0) { $0 + $1.content.count }
        files = request.uploads.filter { !$0.isDirectory }.count
        guard bytes >= Self.threshold else { return nil }
    }

    static func mebibytes(_ n: Int) -> String { String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }

    func started() {
        Output.writeAll(Array("rnx: uploading \(Self.mebibytes(bytes)) in \(files) file(s) with the job…\n".utf8), to: STDERR_FILENO)
    }

    /// (bytes of the request sent, bytes of the request in all).
    var progress: @Sendable (Int, Int) -> Void {
        { [self] sent, total in
            guard total > 0 else { return }
            let percent = min(100, sent * 100 / total)
            let step = terminal ? 1 : 25
            let show = shown.withLock { last -> Bool in
                guard percent / step > last / step || last < 0 else { return false }
                last = percent
                return true
            }
            guard show else { return }
            let line = "rnx: sent \(percent)% (\(Self.mebibytes(sent)) of \(Self.mebibytes(total)))"
            Output.writeAll(Array((terminal ? "\r\(line)\u{1B}[K" : line + "\n").utf8), to: STDERR_FILENO)
        }
    }

    func finished() {
        let took = (ContinuousClock.now - start).components
        let seconds = Double(took.seconds) + Double(took.attoseconds) / 1e18
        let rate = seconds > 0 ? " (\(Self.mebibytes(Int(Double(bytes) / seconds)))/s)" : ""
        let end = terminal ? "\r\u{1B}[K" : ""
        Output.writeAll(Array("\(end)rnx: uploaded \(Self.mebibytes(bytes)) in \(String(format: "%.1f", seconds)) s\(rate)\n".utf8),
                        to: STDERR_FILENO)
    }
}
