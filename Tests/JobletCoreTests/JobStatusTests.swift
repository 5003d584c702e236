import XCTest
@testable import JobletCore

final class JobStatusTests: XCTestCase {
    private let legal: [JobStatus: Set<JobStatus>] = [
        .scheduled: [.initializing, .canceled, .failed],
        .pending: [.initializing, .running, .failed, .stopped],
        .initializing: [.running, .failed, .stopped, .pending],
        .running: [.completed, .failed, .stopped, .recovering, .paused],
        .recovering: [.running, .failed, .stopped, .pending],
        .paused: [.running, .completed, .failed, .stopped],
        .completed: [], .failed: [], .stopped: [], .canceled: [],
    ]

    func testEveryPairMatchesTheTable() {
        for from in JobStatus.allCases {
            for to in JobStatus.allCases {
                XCTAssertEqual(from.canTransition(to: to), legal[from]!.contains(to), "\(from) → \(to)")
            }
        }
    }

    func testFinalStatuses() {
        XCTAssertEqual(Set(JobStatus.allCases.filter(\.isFinal)), [.completed, .failed, .stopped, .canceled])
    }

    func testWireStrings() {
        XCTAssertEqual(JobStatus.allCases.map(\.rawValue),
                       ["SCHEDULED", "PENDING", "INITIALIZING", "RUNNING", "RECOVERING", "PAUSED", "COMPLETED", "FAILED",
                        "STOPPED", "CANCELED"])
        XCTAssertEqual(JobStatus(wireValue: "running"), .running)
        XCTAssertNil(JobStatus(wireValue: "DONE"))
    }

    func testErrorCodesAndMessages() {
        XCTAssertEqual(JobletError.jobNotFound("f47ac10b").message, "job not found: f47ac10b")
        XCTAssertEqual(JobletError.jobNotFound("f47ac10b").code, .notFound)
        let notRunning = JobletError.jobNotRunning(id: "abc", status: .completed)
        XCTAssertEqual(notRunning.message, "job is not running: abc (current status: COMPLETED)")
        XCTAssertEqual(notRunning.code, .failedPrecondition)
        XCTAssertEqual(JobletError.ambiguousJobID(prefix: "a", matches: ["a1", "a2"]).code, .invalidArgument)
        XCTAssertEqual(JobletError.illegalTransition(id: "x", from: .completed, to: .running).code, .failedPrecondition)
        XCTAssertEqual(JobletError(wrapping: CocoaError(.fileNoSuchFile), doing: "reading").code, .internal)
    }
}
