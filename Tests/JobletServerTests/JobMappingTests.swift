import Foundation
import XCTest
import JobletAPI
import JobletCore
import RPC
@testable import JobletServer

final class JobMappingTests: XCTestCase {
    func testRunJobRequestMapsEveryField() {
        var r = Joblet_RunJobRequest()
        r.name = "etl"
        r.command = "python3"
        r.args = ["etl.py", "--day", "2026-11-23"]
        r.maxCpu = 50
        r.cpuCores = "0-1"
        r.maxMemory = 256
        r.maxIobps = 1_000_000
        r.environment = ["A": "1"]
        r.secretEnvironment = ["TOKEN": "s3cr3t"]
        var u = Joblet_FileUpload()
        u.path = "etl.py"
        u.content = Array("print(1)".utf8)
        u.mode = 0o644
        r.uploads = [u]
        r.workDir = "src"
        r.schedule = "2030-01-01T00:00:00Z"
        r.gpuCount = 2
        r.gpuMemoryMb = 40000
        r.infra = "gcp/us-central1"
        let q = JobMapping.request(r)
        XCTAssertEqual(q.name, "etl")
        XCTAssertEqual(q.args, ["etl.py", "--day", "2026-11-23"])
        XCTAssertEqual(q.limits, ResourceLimits(maxCPU: 50, cpuCores: "0-1", maxMemoryMB: 256, maxIOBPS: 1_000_000))
        XCTAssertEqual(q.secretEnvironment, ["TOKEN": "s3cr3t"])
        XCTAssertEqual(q.uploads, [FileUpload(path: "etl.py", content: Array("print(1)".utf8), mode: 0o644)])
        XCTAssertEqual(q.workDir, "src")
        XCTAssertEqual(q.gpuCount, 2)
        XCTAssertEqual(q.gpuMemoryMB, 40000)
        XCTAssertEqual(q.infra, "gcp/us-central1")
    }

    func testResponsesMaskSecretsAndCarryTheReason() throws {
        var job = Job(request: JobRequest(command: "env", secretEnvironment: ["TOKEN": "s3cr3t"]), backend: "local")
        job.status = .failed
        job.exitCode = 137
        job.reason = "killed: out of memory (limit 64 MB)"
        let status = JobMapping.status(job)
        XCTAssertEqual(status.secretEnvironment, ["TOKEN": "***"])
        XCTAssertEqual(status.status, "FAILED")
        XCTAssertEqual(status.exitCode, 137)
        XCTAssertEqual(status.reason, "killed: out of memory (limit 64 MB)")
        XCTAssertEqual(status.backend, "local")
        let listed = JobMapping.job(job)
        XCTAssertEqual(listed.secretEnvironment, ["TOKEN": "***"])
        XCTAssertFalse(listed.serializedBytes().contains(subsequence: Array("s3cr3t".utf8)))
        // The legacy RunJobRes shares Job's field numbers.
        let legacy = JobMapping.legacyJob(job)
        XCTAssertEqual(legacy.uuid, job.id)
        XCTAssertEqual(legacy.status, "FAILED")
        XCTAssertEqual(legacy.exitCode, 137)
    }

    func testDomainErrorsBecomeTheirStatus() {
        XCTAssertEqual(JobMapping.rpcError(.jobNotFound("f47ac10b")).code, .notFound)
        XCTAssertEqual(JobMapping.rpcError(.jobNotFound("f47ac10b")).message, "job not found: f47ac10b")
        XCTAssertEqual(JobMapping.rpcError(.jobNotRunning(id: "x", status: .completed)).code, .failedPrecondition)
        XCTAssertEqual(JobMapping.rpcError(.ambiguousJobID(prefix: "a", matches: ["ab", "ac"])).code, .invalidArgument)
        XCTAssertEqual(JobMapping.rpcError(.invalidArgument("empty command")).code, .invalidArgument)
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard !subsequence.isEmpty, count >= subsequence.count else { return false }
        for i in 0...(count - subsequence.count) where Array(self[i..<(i + subsequence.count)]) == subsequence { return true }
        return false
    }
}
