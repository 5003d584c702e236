import Foundation

/// Something that runs jobs: the local backend (namespaces and cgroups) and the SkyPilot backend
/// both implement it; tests use an in-memory fake.
///
/// The engine owns every status change: a backend only reports through the `JobEventSink` it is
/// handed, and the engine checks, stores and announces. The contract:
/// - `canRun` answers at once, without I/O: nil when this backend takes the request, otherwise the
///   error a client should see if no backend takes it (e.g. `failedPrecondition` "no GPUs here").
/// - `start` is called for a job in INITIALIZING that is stored and has an (empty) log file. It
///   returns once the job is launched (or throws, and the engine records FAILED with the error's
///   message), having reported RUNNING or PENDING; it then watches the job in its own tasks and
///   reports the final status with exit code and reason. All output reaches the log file (through
///   `events.appendLog`, or by the process writing `events.logFile` directly) BEFORE the final status
///   is reported: the engine closes the log then.
/// - `stop` asks the job to end (SIGTERM, `grace`, then SIGKILL; or a remote cancel) and returns when
///   it has ended. While a stop is under way, whatever final status the backend reports is
///   recorded as STOPPED with exit code -1; if nothing was reported when `stop` returns, the engine
///   records STOPPED itself.
/// - `adopt` is called after a restart for every non-final, non-scheduled job of this backend,
///   with the status last stored: pick the job up again (re-attach to the process or resume
///   polling) and report as from `start`, or report FAILED if it is gone. It returns promptly and
///   watches in its own tasks.
public protocol JobBackend: Sendable {
    /// Stored with each job; names the backend after a restart.
    var name: String { get }
    func canRun(_ request: JobRequest) -> JobletError?
    func start(job: Job, request: JobRequest, events: JobEventSink) async throws
    func stop(job: Job, grace: Duration) async throws
    func adopt(job: Job, events: JobEventSink) async
    /// Whether this kind of job is this backend's to run (say, GPU jobs for a GPU backend),
    /// even if `canRun` refuses this one: its refusal is then the one the client sees.
    func isMeant(for request: JobRequest) -> Bool
    /// DeleteJob / DeleteAllJobs of a final job: removes whatever this backend keeps on this host
    /// for it (the local backend: its workspace and exit status). Absent files are not an error.
    func removeFiles(jobID: String) throws
    /// PauseJob / ResumeJob (training, issue 19): freeze or thaw the job's processes and return
    /// once done. The engine checks the status and records PAUSED / RUNNING afterwards.
    func pause(job: Job) async throws
    func resume(job: Job) async throws
    /// The job's `$JOBLET_METRICS_FILE` opened for reading, if this backend can read it (a local
    /// job's lies in its workspace); nil when it cannot or the file is not there (yet).
    func openTrainingMetricsFile(jobID: String) -> FileHandle?
    /// Where that file is on this host (for a cheap size check before opening it); nil: none.
    func trainingMetricsFilePath(jobID: String) -> String?
    /// RunJob's last check before the job is stored, for what `canRun` cannot know without I/O
    /// (a remote API server that is down or too old): a throw becomes RunJob's error.
    func admit(_ request: JobRequest) async throws
}

extension JobBackend {
    public func isMeant(for request: JobRequest) -> Bool { false }
    /// Backends that keep nothing on this host per job.
    public func removeFiles(jobID: String) throws {}
    /// Backends that cannot freeze a job (a SkyPilot job runs on a cloud's machine).
    public func pause(job: Job) async throws {
        throw JobletError.failedPrecondition("job \(job.id) runs on the '\(name)' backend, which cannot pause jobs; only local jobs can be paused (stop it instead)")
    }
    public func openTrainingMetricsFile(jobID: String) -> FileHandle? { nil }
    public func trainingMetricsFilePath(jobID: String) -> String? { nil }
    public func admit(_ request: JobRequest) async throws {}
    public func resume(job: Job) async throws {
        throw JobletError.failedPrecondition("job \(job.id) runs on the '\(name)' backend, which cannot pause or resume jobs")
    }
}
