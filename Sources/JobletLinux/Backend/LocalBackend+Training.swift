import Foundation
import Glibc
import JobletCore

/// Training (issue 19): a local job's `$JOBLET_METRICS_FILE` is a file at its workspace's top,
/// which jobletd reads from the host side.
extension LocalBackend {
    /// The name inside the job's workspace; the job sees it at /work/<name>.
    public static let metricsFileName = ".joblet-metrics.jsonl"
    public static let metricsFileInJob = "/work/" + metricsFileName

    /// Opened without following a symlink and only when it is a regular file: the job owns the
    /// workspace and could put a link to a host file, or a FIFO that would block the reader, there.
    public func trainingMetricsFilePath(jobID: String) -> String? {
        jobsDirectory.path + "/" + jobID + "/workspace/" + Self.metricsFileName
    }

    public func openTrainingMetricsFile(jobID: String) -> FileHandle? {
        guard let path = trainingMetricsFilePath(jobID: jobID) else { return nil }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
