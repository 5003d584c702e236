import Foundation
import JobletCore
@testable import SkyPilotAdapter
import XCTest

/// Decoding what the live server sent (shared/skypilot/captures), and the small text helpers.
final class ProtocolTests: XCTestCase {
    func testDoubleEncodedQueueResult() throws {
        // last_get.body, without the pickles.
        let body = #"{"request_id":"0755f329-0237-490d-a3f9-744d1d58ff41","name":"sky.jobs.queue_v2","entrypoint":"gASV","request_body":"gASV","status":"SUCCEEDED","created_at":1795405908.1737552,"user_id":"fcd1e5cf","return_value":"{\"jobs\":[{\"job_id\":6,\"task_id\":null,\"job_name\":\"attrib\",\"status\":\"FAILED_PRECHECKS\",\"user_name\":\"swiftsrv\",\"user_hash\":\"abcd1234\"}],\"total\":1,\"total_no_filter\":6,\"status_counts\":{\"FAILED_PRECHECKS\":1},\"infra_options\":[]}","error":"null","pid":18143,"schedule_type":"short","user_name":null,"cluster_name":"sky-jobs-controller-fcd1e5cf","status_msg":null,"should_retry":false,"finished_at":1795405910.7323358,"file_mounts_blob_id":null}"#
        let request = try JSONDecoder().decode(SkyPilotRequest.self, from: Data(body.utf8))
        XCTAssertTrue(request.isFinished)
        let queue = try XCTUnwrap(try request.decodedReturnValue(SkyPilotQueueResult.self))
        XCTAssertEqual(queue.jobs.first?.jobID, 6)
        XCTAssertEqual(queue.jobs.first?.status, "FAILED_PRECHECKS")
        XCTAssertNil(request.decodedError)
    }

    func testLaunchResultAndFailedError() throws {
        let launched = try JSONDecoder().decode(SkyPilotLaunchResult.self, from: Data(#"{"job_id":[2],"handle":"gASVoQQ"}"#.utf8))
        XCTAssertEqual(launched.jobIDs, [2])
        XCTAssertEqual(try JSONDecoder().decode(SkyPilotLaunchResult.self, from: Data(#"{"job_id":5}"#.utf8)).jobIDs, [5])
        let failed = #"{"request_id":"8bf2e9ea","name":"sky.jobs.launch","status":"FAILED","return_value":"null","error":"{\"object\":\"gASV\",\"type\":\"NoCloudAccessError\",\"message\":\"Cloud access is not set up. Run: \\u001b[1msky check\\u001b[0m\"}"}"#
        let request = try JSONDecoder().decode(SkyPilotRequest.self, from: Data(failed.utf8))
        XCTAssertEqual(request.decodedError?.type, "NoCloudAccessError")
        XCTAssertEqual(request.decodedError?.message, "Cloud access is not set up. Run: sky check")
        XCTAssertNil(try request.decodedReturnValue(SkyPilotLaunchResult.self))
    }

    func testStatusRequestBodyName() throws {
        let status = #"[{"request_id":"8bf2","name":"sky.jobs.launch","entrypoint":"launch","request_body":"{\"env_vars\":{},\"task\":\"name: hello\\n\",\"name\":\"hello\"}","status":"PENDING","return_value":"null","error":"null"}]"#
        let requests = try JSONDecoder().decode([SkyPilotRequest].self, from: Data(status.utf8))
        XCTAssertEqual(requests.first?.bodyName, "hello")
        XCTAssertFalse(requests[0].isFinished)
    }

    func testANSIAndPayloadLines() {
        XCTAssertEqual(ANSI.strip("Run: \u{1b}[1msky check\u{1b}[0m"), "Run: sky check")
        XCTAssertEqual(ANSI.strip("\u{1b}[33mJob 2\u{1b}[0m done"), "Job 2 done")
        XCTAssertEqual(ANSI.strip("\u{1b}[2m├── \u{1b}[0mx"), "├── x")
        XCTAssertNil(SkyPayload.logText(of: #"<sky-payload>"<rich_init>[bold cyan]Waiting[/]</rich_init>"</sky-payload>"#))
        XCTAssertNil(SkyPayload.logText(of: #"<sky-payload>"<heartbeat></heartbeat>"</sky-payload>"#))
        XCTAssertEqual(SkyPayload.logText(of: "epoch 1 loss 0.3"), "epoch 1 loss 0.3")
        XCTAssertEqual(SkyPayload.logText(of: #"text<sky-payload>"<rich_exit></rich_exit>"</sky-payload>"#), "text")
    }

    func testLineSplitterAcrossChunks() {
        var splitter = LogLineSplitter()
        XCTAssertEqual(splitter.feed(Array("one\ntw".utf8)), ["one"])
        XCTAssertEqual(splitter.feed(Array("o\r\nthr".utf8)), ["two"])
        XCTAssertEqual(splitter.feed(Array("ee".utf8)), [])
        XCTAssertEqual(splitter.finish(), ["three"])
        XCTAssertEqual(splitter.finish(), [])
    }

    func testBackoffDoublesWithJitterUpToTheCap() {
        var backoff = Backoff(min: .milliseconds(100), max: .milliseconds(800))
        let waits = (0..<6).map { _ in backoff.next() }
        let bases: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(800), .milliseconds(800)]
        for (wait, base) in zip(waits, bases) {
            XCTAssertLessThanOrEqual(wait, base)
            XCTAssertGreaterThanOrEqual(wait, base / 2)
        }
        backoff.reset()
        XCTAssertLessThanOrEqual(backoff.next(), .milliseconds(100))
    }

    func testSecretMaskerAndConfigurationDescription() {
        let masker = SecretMasker(secretValues: ["hunter22", "abc"])
        XCTAssertEqual(masker.mask("token hunter22 and abc"), "token *** and abc")
        let config = SkyPilotConfiguration(endpoint: URL(string: "http://127.0.0.1:46580")!, authentication: .bearer(token: "sky_abcdef"))
        XCTAssertFalse(config.description.contains("sky_abcdef"))
        XCTAssertEqual(config.submitterUserID.count, 8)
        XCTAssertEqual(config.submitterUserID, SkyPilotConfiguration.userHash(of: "jobletd"))
        let env = SkyPilotConfiguration(environment: ["JOBLET_SKYPILOT_ENDPOINT": "http://sky:46580", "JOBLET_SKYPILOT_TOKEN": "sky_x"])
        XCTAssertEqual(env?.authentication, .bearer(token: "sky_x"))
        XCTAssertNil(SkyPilotConfiguration(environment: [:]))
    }
}
