import JobletCore
@testable import SkyPilotAdapter
import XCTest

final class StatusMappingTests: XCTestCase {
    func testEverySkyPilotStatus() {
        let expected: [String: JobStatus?] = [
            "PENDING": .pending, "SUBMITTED": .pending, "STARTING": .initializing, "RUNNING": .running,
            "WINDING_DOWN": .running, "RECOVERING": .recovering, "CANCELLING": nil, "SUCCEEDED": .completed,
            "CANCELLED": .stopped, "FAILED": .failed, "FAILED_SETUP": .failed, "FAILED_PRECHECKS": .failed,
            "FAILED_NO_RESOURCE": .failed, "FAILED_CONTROLLER": .failed, "SOMETHING_NEW": nil,
        ]
        for (sky, ours) in expected {
            XCTAssertEqual(SkyPilotStatusMapping.jobStatus(forSkyPilotStatus: sky), ours, sky)
        }
        XCTAssertTrue(SkyPilotStatusMapping.isTerminal("FAILED_CONTROLLER"))
        XCTAssertTrue(SkyPilotStatusMapping.isTerminal("CANCELLED"))
        XCTAssertFalse(SkyPilotStatusMapping.isTerminal("CANCELLING"))
        XCTAssertFalse(SkyPilotStatusMapping.isTerminal("WINDING_DOWN"))
    }

    func testPathsFollowTheStateMachine() {
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .initializing, to: .pending), [.pending])
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .pending, to: .initializing), [.initializing])
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .pending, to: .completed), [.running, .completed])
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .initializing, to: .recovering), [.running, .recovering])
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .pending, to: .failed), [.failed])
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .recovering, to: .stopped), [.stopped])
        XCTAssertEqual(SkyPilotStatusMapping.path(from: .running, to: .running), [])
        XCTAssertNil(SkyPilotStatusMapping.path(from: .completed, to: .running))
        // Every path is legal step by step.
        for from in JobStatus.allCases where !from.isFinal && from != .scheduled {
            for to in JobStatus.allCases where to != .scheduled && to != .canceled {
                guard let path = SkyPilotStatusMapping.path(from: from, to: to) else { continue }
                var current = from
                for next in path {
                    XCTAssertTrue(current.canTransition(to: next), "\(current)→\(next) on \(from)→\(to)")
                    current = next
                }
            }
        }
    }

    func testReasonText() {
        var state = SkyPilotBackendState(name: "abc")
        XCTAssertEqual(state.reason, "SkyPilot job 'abc'")
        state.jobID = 7
        state.status = "FAILED_PRECHECKS"
        state.failureReason = "[sky.exceptions.NoCloudAccessError] Cloud access is not set up. Run: sky check"
        XCTAssertEqual(state.reason, "SkyPilot job 7: FAILED_PRECHECKS: [sky.exceptions.NoCloudAccessError] Cloud access is not set up. Run: sky check")
        state = SkyPilotBackendState(name: "abc", jobID: 3, status: "RUNNING", recoveryCount: 1)
        XCTAssertEqual(state.reason, "SkyPilot job 3: RUNNING (recovery_count 1)")
        let info = SkyPilotJobInfo(backendState: state.encoded())
        XCTAssertEqual(info, SkyPilotJobInfo(status: "RUNNING", failureReason: nil, recoveryCount: 1, jobID: 3, launchRequestID: nil))
        XCTAssertNil(SkyPilotJobInfo(backendState: Data("{\"pid\":12}".utf8)))
    }
}
