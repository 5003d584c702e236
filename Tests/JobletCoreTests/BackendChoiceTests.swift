import Foundation
import XCTest
@testable import JobletCore

/// When every backend refuses a request, the client hears from the backend the job was meant for.
final class BackendChoiceTests: XCTestCase {
    /// Refuses everything, with its own reason; meant for GPU jobs or for the others.
    struct Refusing: JobBackend {
        let name: String
        let forGPUs: Bool
        func canRun(_ request: JobRequest) -> JobletError? { .failedPrecondition("\(name) refuses") }
        func isMeant(for request: JobRequest) -> Bool { (request.gpuCount > 0) == forGPUs }
        func start(job: Job, request: JobRequest, events: JobEventSink) async throws {}
        func stop(job: Job, grace: Duration) async throws {}
        func adopt(job: Job, events: JobEventSink) async {}
    }

    func testTheRefusalOfTheBackendMeantForTheJobWins() async throws {
        let dir = try makeTemporaryDirectory(self)
        let engine = JobEngine(store: try JobStore(dataDirectory: dir), logs: try LogStore(dataDirectory: dir),
                               backends: [Refusing(name: "local", forGPUs: false), Refusing(name: "gpu", forGPUs: true)],
                               validator: JobRequestValidator(hostCPUCount: 4, hostMemoryMB: nil))
        do {
            _ = try await engine.submit(JobRequest(command: "train", gpuCount: 1))
            XCTFail("submitted")
        } catch let e as JobletError {
            XCTAssertEqual(e.message, "gpu refuses")
        }
        do {
            _ = try await engine.submit(JobRequest(command: "make"))
            XCTFail("submitted")
        } catch let e as JobletError {
            XCTAssertEqual(e.message, "local refuses")
        }
        XCTAssertEqual(try engine.list().count, 0, "a refused request stores nothing")
    }
}
