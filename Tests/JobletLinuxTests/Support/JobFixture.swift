import Foundation
import Glibc
import XCTest
@testable import JobletLinux

/// A scratch directory per test plus a runner on the host's real cgroups. Real jobs need root.
final class JobFixture {
    let base: String
    let runner: LocalJobRunner

    init(config: LocalJobRunnerConfig = LocalJobRunnerConfig()) throws {
        try XCTSkipUnless(getuid() == 0, "namespaces, mounts and cgroups need root")
        var template = Array("/tmp/joblet-test-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw LinuxError("mkdtemp", errno: errno) }
        base = String(cString: dir)
        chmod(base, 0o755)
        runner = try LocalJobRunner(config: config, log: { _ in })
    }

    deinit {
        runner.detach()
        try? FileManager.default.removeItem(atPath: base)
    }

    func spec(_ script: String, id: String = UUID().uuidString.lowercased(), limits: CgroupLimits = CgroupLimits(),
              uploads: [WorkspaceUpload] = []) -> JobLaunchSpec {
        JobLaunchSpec(jobID: id, command: "/bin/sh", arguments: ["-c", script], environment: ["LANG": "C"],
                      jobDirectory: "\(base)/jobs/\(id)", logPath: "\(base)/\(id).log", limits: limits, uploads: uploads)
    }

    func log(of spec: JobLaunchSpec) -> String { (try? String(contentsOfFile: spec.logPath, encoding: .utf8)) ?? "" }

    /// Starts the job and waits for its exit; returns the exit and the log.
    func run(_ spec: JobLaunchSpec) async throws -> (exit: JobExit, log: String) {
        let handle = try runner.start(spec)
        let exit = try await runner.waitForExit(handle)
        return (exit, log(of: spec))
    }

    func waitForLog(_ spec: JobLaunchSpec, containing text: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log(of: spec).contains(text) {
            if ContinuousClock.now > deadline { XCTFail("log never showed \(text): \(log(of: spec))"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
