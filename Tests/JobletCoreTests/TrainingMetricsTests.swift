import Foundation
import XCTest
@testable import JobletCore

/// Training metrics (issue 19): the line parser, the splitter's positions, and the store's
/// idempotent recording (a source read again after a restart adds nothing twice).
final class TrainingMetricsTests: XCTestCase {
    private func log(_ s: String) -> TrainingMetricLine { TrainingMetricLine.parseLogLine(Array(s.utf8)) }
    private func file(_ s: String) -> TrainingMetricLine { TrainingMetricLine.parseFileLine(Array(s.utf8)) }

    func testLogLines() {
        XCTAssertEqual(log(#"##joblet-metric {"step": 1000, "epoch": 1, "loss": 0.5, "learning_rate": 0.0002}"#),
                       .sample(["step": 1000, "epoch": 1, "loss": 0.5, "learning_rate": 0.0002]))
        XCTAssertEqual(log(#"  ##joblet-metric{"loss": 1e-3}"#), .sample(["loss": 0.001]))
        XCTAssertEqual(log(#"##joblet-metric {"loss": 0.5, "tag": "warmup", "done": true, "x": null, "h": [1], "o": {"a": 1}}"#),
                       .sample(["loss": 0.5]), "only numbers are kept")
        XCTAssertEqual(log("step 3 of 5"), .notMetric)
        XCTAssertEqual(log(#"##joblet-metrics {"loss": 1}"#), .notMetric, "another prefix")
        XCTAssertEqual(log(#"echo ##joblet-metric {"loss": 1}"#), .notMetric, "only at the line's start")
    }

    func testMalformedLogLines() {
        XCTAssertEqual(log(#"##joblet-metric {"step": oops}"#), .malformed)
        XCTAssertEqual(log(#"##joblet-metric {"loss": .5}"#), .malformed, "not JSON")
        XCTAssertEqual(log(#"##joblet-metric [1, 2]"#), .malformed)
        XCTAssertEqual(log(#"##joblet-metric {"tag": "x"}"#), .malformed, "no number at all")
        XCTAssertEqual(log("##joblet-metric"), .malformed)
        let many = (0...TrainingMetricLine.maxKeys).map { "\"k\($0)\": 1" }.joined(separator: ", ")
        XCTAssertEqual(log("##joblet-metric {\(many)}"), .malformed, "too many keys")
        let long = String(repeating: " ", count: TrainingMetricLine.maxLineBytes) + #"{"a": 1}"#
        XCTAssertEqual(log("##joblet-metric " + long), .malformed, "too long")
    }

    func testFileLines() {
        XCTAssertEqual(file(#"{"eval_loss": 0.25}"#), .sample(["eval_loss": 0.25]))
        XCTAssertEqual(file(#"##joblet-metric {"eval_loss": 0.25}"#), .sample(["eval_loss": 0.25]), "the prefix is allowed")
        XCTAssertEqual(file("   "), .notMetric, "blank")
        XCTAssertEqual(file("not json"), .malformed, "every other line of the file is a record")
    }

    func testSplitterKeepsPositionsAcrossChunksAndWaitsForTheNewline() {
        var s = TrainingLineSplitter(source: .log, start: 10)
        s.feed(Data("hello\n##joblet-metric {\"lo".utf8))
        XCTAssertEqual(s.consumed, 16, "the partial record waits")
        s.feed(Data("ss\": 2}\r\n##joblet-metric {bad}\n".utf8))
        XCTAssertEqual(s.lines.map(\.position), [16, 45])
        XCTAssertEqual(s.lines.map(\.values), [["loss": 2], nil])
        s.feed(Data("##joblet-metric {\"step\": 1}".utf8))
        XCTAssertEqual(s.lines.count, 2)
        s.finish()
        XCTAssertEqual(s.lines.last?.values, ["step": 1], "the last line without a newline, at the end")
    }

    func testOnlyLinesStartingWithTheMarkerAreLookedAt() {
        var s = TrainingLineSplitter(source: .log, start: 0)
        let text = "### a heading\nprogress ##### 50%\n  \t##joblet-metric {\"loss\": 1}\nx ##joblet-metric {\"loss\": 2}\n##joblet-metric {bad}\n"
        s.feed(Data(text.utf8))
        XCTAssertEqual(s.lines.map(\.values), [["loss": 1], nil])
        XCTAssertEqual(s.lines.map(\.position), [33, 94], "positions of the lines' first bytes")
        XCTAssertEqual(s.consumed, Int64(text.utf8.count))
    }

    func testRunawayLineIsConsumedNotHeld() {
        var s = TrainingLineSplitter(source: .log, start: 0)
        s.feed(Data(repeating: UInt8(ascii: "x"), count: TrainingMetricLine.maxLineBytes + 2048))
        XCTAssertEqual(s.consumed, Int64(TrainingMetricLine.maxLineBytes + 2048))
        XCTAssertEqual(s.lines.count, 0)
    }

    func testRecordingIsIdempotentAndKeepsTheLatestOfEachKey() throws {
        let store = try JobStore(dataDirectory: makeTemporaryDirectory(self))
        let request = JobRequest(command: "train")
        let job = Job(request: request, backend: "local")
        try store.insert(job, request: request)
        XCTAssertNil(try store.trainingSummary(id: job.id))
        let lines: [JobStore.TrainingLine] = [.init(position: 0, values: ["step": 1, "loss": 2]),
                                              .init(position: 40, values: nil),
                                              .init(position: 80, values: ["step": 2, "eval_loss": 1.5])]
        XCTAssertEqual(try store.recordTraining(id: job.id, source: .log, lines: lines, offset: 120).count, 2)
        XCTAssertEqual(try store.recordTraining(id: job.id, source: .log, lines: lines, offset: 120).count, 0, "read again")
        try store.recordTraining(id: job.id, source: .file, lines: [.init(position: 0, values: ["loss": 1])], offset: 12)
        let summary = try XCTUnwrap(store.trainingSummary(id: job.id))
        XCTAssertEqual(summary.latest, ["step": 2, "loss": 1, "eval_loss": 1.5])
        XCTAssertEqual(summary.samples, 3)
        XCTAssertEqual(summary.malformedLines, 1)
        XCTAssertEqual(try store.trainingOffsets(id: job.id).log, 120)
        XCTAssertEqual(try store.trainingOffsets(id: job.id).file, 12)
        XCTAssertEqual(try store.trainingSamples(id: job.id).map(\.loss), [2, nil, 1])
        XCTAssertEqual(try store.trainingSamples(id: job.id, limit: 1).map(\.source), [.file])
        _ = try store.applyTransition(id: job.id, to: .failed, exitCode: 1, reason: nil, at: Date())
        try store.delete(id: job.id)
        XCTAssertTrue(try store.trainingSamples(id: job.id).isEmpty, "deleted with the job")
        XCTAssertThrowsError(try store.recordTraining(id: job.id, source: .log, lines: lines, offset: 1))
    }
}
