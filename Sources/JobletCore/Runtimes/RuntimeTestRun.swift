/// TestRuntime: a runtime's `test` command run as a job with the runtime (so it shows in the job
/// list as `runtime-test-<name>`), waited for at most `timeout` (then stopped), with its output.
public struct RuntimeTestRun: Sendable {
    public var jobID: String
    public var status: JobStatus
    public var exitCode: Int32
    public var reason: String?
    public var output: [UInt8]

    public static let maxOutput = 1 << 20

    public static func run(_ command: String, runtime: RuntimeName, engine: JobEngine,
                           timeout: Duration = .seconds(120)) async throws -> RuntimeTestRun {
        let job = try await engine.submit(JobRequest(name: "runtime-test-\(runtime)", command: "/bin/sh",
                                                     args: ["-c", command], runtime: runtime.normalized))
        let reader = try engine.maskedLogReader(job.id)
        let collect = Task {
            var out: [UInt8] = []
            for try await chunk in reader where out.count < maxOutput { out += chunk }
            return out
        }
        let deadline = ContinuousClock.now + timeout
        var current = try engine.job(job.id)
        var polls = 0, stopped = false
        while !current.status.isFinal, polls < 1_000_000 {
            polls += 1
            if ContinuousClock.now >= deadline, !stopped {
                stopped = true
                _ = try? await engine.stop(job.id)
            }
            try await Task.sleep(for: .milliseconds(20))
            current = try engine.job(job.id)
        }
        let output = (try? await collect.value) ?? []
        return RuntimeTestRun(jobID: job.id, status: current.status, exitCode: current.exitCode ?? -1,
                              reason: current.reason, output: Array(output.prefix(maxOutput)))
    }
}
