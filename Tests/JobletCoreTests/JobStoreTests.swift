import XCTest
@testable import JobletCore

final class JobStoreTests: XCTestCase {
    private func sampleRequest(command: String = "python3") -> JobRequest {
        JobRequest(name: "etl", command: command, args: ["etl.py", "--day", "1"],
                   limits: ResourceLimits(maxCPU: 150, cpuCores: "0-1", maxMemoryMB: 256, maxIOBPS: 1000, maxPIDs: 64),
                   environment: ["MODE": "fast"], secretEnvironment: ["API_KEY": "s3cret", "DB_PASS": "hunter2"],
                   uploads: [FileUpload(path: "etl.py", content: Array("print(1)".utf8), mode: 0o644),
                             FileUpload(path: "data", isDirectory: true)],
                   workDir: "/work", network: "mynet", volumes: ["cache"], runtime: "python-3.11", gpuCount: 1,
                   gpuMemoryMB: 2048, infra: "aws")
    }

    private func insert(_ store: JobStore, id: String = Job.newID(), request: JobRequest? = nil,
                        createdAt: Date = Date()) throws -> Job {
        let request = request ?? sampleRequest()
        let job = Job(id: id, request: request, backend: "fake", createdAt: createdAt)
        try store.insert(job, request: request)
        return job
    }

    func testEveryFieldSurvivesReopen() throws {
        let dir = try makeTemporaryDirectory(self)
        let created = Date(timeIntervalSince1970: 1_751_382_245.123456)
        var stored: Job
        do {
            let store = try JobStore(dataDirectory: dir)
            stored = try insert(store, createdAt: created)
            _ = try store.applyTransition(id: stored.id, to: .running, exitCode: nil, reason: nil,
                                          at: created.addingTimeInterval(1))
            _ = try store.updateBackendInfo(id: stored.id, state: Data(#"{"pid":42}"#.utf8), nodeID: "node-1",
                                            gpuIndices: [0])
            stored = try store.applyTransition(id: stored.id, to: .failed, exitCode: 3, reason: "exited with code 3",
                                               at: created.addingTimeInterval(2)).job
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("joblet.db").path))
        let reopened = try JobStore(dataDirectory: dir)
        let job = try reopened.job(id: stored.id)
        XCTAssertEqual(job, stored)
        XCTAssertEqual(job.name, "etl")
        XCTAssertEqual(job.args, ["etl.py", "--day", "1"])
        XCTAssertEqual(job.limits, ResourceLimits(maxCPU: 150, cpuCores: "0-1", maxMemoryMB: 256, maxIOBPS: 1000, maxPIDs: 64))
        XCTAssertEqual(job.environment, ["MODE": "fast"])
        XCTAssertEqual(job.uploads, [UploadInfo(path: "etl.py", size: 8, mode: 0o644, isDirectory: false),
                                     UploadInfo(path: "data", size: 0, mode: 0, isDirectory: true)])
        XCTAssertEqual(job.status, .failed)
        XCTAssertEqual(job.exitCode, 3)
        XCTAssertEqual(job.reason, "exited with code 3")
        XCTAssertEqual(job.backend, "fake")
        XCTAssertEqual(job.backendState.map { String(decoding: $0, as: UTF8.self) }, #"{"pid":42}"#)
        XCTAssertEqual(job.nodeID, "node-1")
        XCTAssertEqual(job.gpuIndices, [0])
        XCTAssertEqual(job.createdAt.timeIntervalSince1970, created.timeIntervalSince1970, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(job.startedAt).timeIntervalSince(created), 1, accuracy: 1e-5)
        XCTAssertEqual(try XCTUnwrap(job.endedAt).timeIntervalSince(created), 2, accuracy: 1e-5)
    }

    func testSecretsAreMaskedButKeptForRunning() throws {
        let store = try JobStore(dataDirectory: try makeTemporaryDirectory(self))
        let job = try insert(store)
        XCTAssertEqual(job.maskedSecretEnvironment, ["API_KEY": "***", "DB_PASS": "***"])
        for listed in try [store.job(id: job.id), store.list()[0], store.nonFinalJobs()[0]] {
            XCTAssertEqual(listed.maskedSecretEnvironment, ["API_KEY": "***", "DB_PASS": "***"])
            XCTAssertFalse(String(describing: listed).contains("s3cret"))
        }
        let request = try store.request(for: job.id)
        XCTAssertEqual(request.secretEnvironment, ["API_KEY": "s3cret", "DB_PASS": "hunter2"])
        XCTAssertEqual(request.uploads, sampleRequest().uploads)
        XCTAssertEqual(request.args, sampleRequest().args)
    }

    func testPrefixLookup() throws {
        let store = try JobStore(dataDirectory: try makeTemporaryDirectory(self))
        let a = try insert(store, id: "f47ac10b-58cc-4372-a567-0e02b2c3d479")
        let b = try insert(store, id: "f47ac10c-0000-4372-a567-0e02b2c3d479")
        _ = try insert(store, id: "0badcafe-0000-4372-a567-0e02b2c3d479")
        XCTAssertEqual(try store.job(matching: "f47ac10b").id, a.id)
        XCTAssertEqual(try store.job(matching: "F47AC10C").id, b.id)
        XCTAssertEqual(try store.job(matching: a.id).id, a.id)
        XCTAssertThrowsError(try store.job(matching: "f47ac10")) { error in
            let error = error as! JobletError
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains(a.id) && error.message.contains(b.id), error.message)
        }
        XCTAssertThrowsError(try store.job(matching: "ffff")) { error in
            XCTAssertEqual(error as? JobletError, .jobNotFound("ffff"))
            XCTAssertEqual((error as! JobletError).message, "job not found: ffff")
        }
        XCTAssertThrowsError(try store.job(matching: "%")) { XCTAssertEqual(($0 as! JobletError).code, .notFound) }
        XCTAssertThrowsError(try store.job(matching: "")) { XCTAssertEqual(($0 as! JobletError).code, .invalidArgument) }
    }

    func testListOrderAndNonFinalAndDeletion() throws {
        let store = try JobStore(dataDirectory: try makeTemporaryDirectory(self))
        let base = Date()
        let jobs = try (0..<4).map { try insert(store, id: "0000000\($0)-aaaa", createdAt: base.addingTimeInterval(Double(3 - $0))) }
        XCTAssertEqual(try store.list().map(\.id), jobs.reversed().map(\.id))
        _ = try store.applyTransition(id: jobs[0].id, to: .running, exitCode: nil, reason: nil, at: Date())
        _ = try store.applyTransition(id: jobs[0].id, to: .completed, exitCode: 0, reason: nil, at: Date())
        _ = try store.applyTransition(id: jobs[1].id, to: .failed, exitCode: nil, reason: "no exec", at: Date())
        XCTAssertEqual(Set(try store.nonFinalJobs().map(\.id)), [jobs[2].id, jobs[3].id])
        XCTAssertThrowsError(try store.delete(id: jobs[2].id)) {
            XCTAssertEqual($0 as? JobletError, .jobStillActive(id: jobs[2].id, status: .initializing))
        }
        let result = try store.deleteAllFinal()
        XCTAssertEqual(result.deleted, 2)
        XCTAssertEqual(result.skipped, 2)
        XCTAssertEqual(Set(result.deletedIDs), [jobs[0].id, jobs[1].id])
        XCTAssertThrowsError(try store.request(for: jobs[0].id))
        XCTAssertEqual(try store.list().count, 2)
    }

    func testIllegalTransitionIsNotStored() throws {
        let store = try JobStore(dataDirectory: try makeTemporaryDirectory(self))
        let job = try insert(store)
        XCTAssertThrowsError(try store.applyTransition(id: job.id, to: .completed, exitCode: 0, reason: nil, at: Date())) {
            XCTAssertEqual($0 as? JobletError, .illegalTransition(id: job.id, from: .initializing, to: .completed))
        }
        XCTAssertEqual(try store.job(id: job.id).status, .initializing)
        XCTAssertThrowsError(try store.applyTransition(id: "nope", to: .running, exitCode: nil, reason: nil, at: Date())) {
            XCTAssertEqual($0 as? JobletError, .jobNotFound("nope"))
        }
    }
}
