import Foundation
@testable import JobletCore

/// An in-memory backend. Commands it understands:
/// - `echo ARGS…`: writes the args to the log, then exits 0.
/// - `exit N`: exits with code N (0 → COMPLETED, else FAILED).
/// - `sleep`: runs until stopped.
/// - `fail-start`: `start` throws.
/// - `pending`: reports PENDING (like a remote backend waiting for resources) and stays there.
/// GPU requests are refused unless `acceptsGPUs`.
final class FakeBackend: JobBackend, @unchecked Sendable {
    struct State {
        var started: [String] = []
        var adopted: [String] = []
        var stopped: [String] = []
        var sinks: [String: JobEventSink] = [:]
    }

    let name: String
    let acceptsGPUs: Bool
    private let state = LockedState(State())

    init(name: String = "fake", acceptsGPUs: Bool = false) {
        self.name = name
        self.acceptsGPUs = acceptsGPUs
    }

    var started: [String] { state.withLock { $0.started } }
    var adopted: [String] { state.withLock { $0.adopted } }
    var stopped: [String] { state.withLock { $0.stopped } }
    func sink(for id: String) -> JobEventSink? { state.withLock { $0.sinks[id] } }

    func canRun(_ request: JobRequest) -> JobletError? {
        if request.gpuCount > 0, !acceptsGPUs {
            return .failedPrecondition("no GPUs on this host; configure a SkyPilot backend to run GPU jobs")
        }
        return nil
    }

    func start(job: Job, request: JobRequest, events: JobEventSink) async throws {
        state.withLock {
            $0.started.append(job.id)
            $0.sinks[job.id] = events
        }
        switch request.command {
        case "fail-start":
            throw JobletError.internal("exec failed: no such file")
        case "pending":
            try await events.transition(to: .pending)
        case "echo":
            try await events.transition(to: .running)
            try events.appendLog(Array((request.args.joined(separator: " ") + "\n").utf8))
            Task {
                try await events.transition(to: .completed, exitCode: 0, reason: "exited with code 0")
            }
        case "exit":
            try await events.transition(to: .running)
            let code = Int32(request.args.first ?? "0") ?? 0
            Task {
                try await Task.sleep(for: .milliseconds(50))
                try await events.transition(to: code == 0 ? .completed : .failed, exitCode: code,
                                            reason: "exited with code \(code)")
            }
        default:
            try await events.transition(to: .running)
        }
    }

    func stop(job: Job, grace: Duration) async throws {
        state.withLock { $0.stopped.append(job.id) }
        // The process dies of our SIGTERM; the backend reports it as it sees it.
        try await sink(for: job.id)?.transition(to: .failed, exitCode: 143, reason: "killed by SIGTERM")
    }

    func adopt(job: Job, events: JobEventSink) async {
        state.withLock {
            $0.adopted.append(job.id)
            $0.sinks[job.id] = events
        }
    }
}
