import Foundation
import JobletAPI
#if canImport(Glibc)
import Glibc
#endif

/// Large uploads take a while: say how much is going, then how long it took (stderr). Below
/// `threshold` nothing is printed. The bytes go in one RunJob message, so this reports the
/// upload as a whole, not a percentage.
struct UploadNotice {
    static let threshold = 4 << 20

    let bytes: Int
    let files: Int
    let start = ContinuousClock.now

    init?(_ request: Joblet_RunJobRequest) {
        bytes = request.uploads.reduce(0) { $0 + $1.content.count }
        files = request.uploads.filter { !$0.isDirectory }.count
        guard bytes >= Self.threshold else { return nil }
    }

    static func mebibytes(_ n: Int) -> String { String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }

    func started() {
        Output.writeAll(Array("rnx: uploading \(Self.mebibytes(bytes)) in \(files) file(s) with the job…\n".utf8), to: STDERR_FILENO)
    }

    func finished() {
        let took = (ContinuousClock.now - start).components
        let seconds = Double(took.seconds) + Double(took.attoseconds) / 1e18
        let rate = seconds > 0 ? " (\(Self.mebibytes(Int(Double(bytes) / seconds)))/s)" : ""
        Output.writeAll(Array("rnx: uploaded \(Self.mebibytes(bytes)) in \(String(format: "%.1f", seconds)) s\(rate)\n".utf8), to: STDERR_FILENO)
    }
}
