import Foundation
import JobletCore
import Logging
@testable import SkyPilotAdapter
import XCTest

/// A fresh directory under the system temp dir, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("skypilot-tests-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: TimeInterval = 20, _ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}

/// Log lines the backend's logger wrote, to check that no secret reaches them.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        if ProcessInfo.processInfo.environment["SKY_TEST_DEBUG"] != nil {
            FileHandle.standardError.write(Data("[backend] \(line)\n".utf8))
        }
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append("\(event.level) \(event.message)")
    }
}

/// A JobEngine (SQLite file and log directory in `dir`) with one SkyPilot backend on the stand-in.
struct Harness {
    let engine: JobEngine
    let backend: SkyPilotBackend
    let log: CapturedLog

    static func configuration(_ standIn: StandIn) -> SkyPilotConfiguration {
        SkyPilotConfiguration(endpoint: standIn.url, pollIntervalMin: .milliseconds(40), pollIntervalMax: .milliseconds(150),
                              requestTimeout: .seconds(5), resultTimeout: .seconds(2), requestDeadline: .seconds(30),
                              logIdleTimeout: .seconds(3), retryWindow: .seconds(20),
                              retryBackoffMin: .milliseconds(50), retryBackoffMax: .milliseconds(400),
                              submitterName: "jobletd-test")
    }

    init(_ test: XCTestCase, dir: URL, standIn: StandIn, configuration: SkyPilotConfiguration? = nil) throws {
        let log = CapturedLog()
        var logger = Logger(label: "test.skypilot") { _ in CapturingLogHandler(sink: log) }
        logger.logLevel = .trace
        let backend = SkyPilotBackend(configuration: configuration ?? Self.configuration(standIn), logger: logger)
        self.backend = backend
        self.log = log
        self.engine = JobEngine(store: try JobStore(dataDirectory: dir),
                                logs: try LogStore(dataDirectory: dir, pollInterval: .milliseconds(50)),
                                backends: [backend], validator: JobRequestValidator(hostCPUCount: 64, hostMemoryMB: nil))
        test.addTeardownBlock { await backend.shutdown() }
    }

    func wait(for id: String, status: JobStatus, timeout: TimeInterval = 30,
              file: StaticString = #filePath, line: UInt = #line) async throws -> Job {
        let engine = engine
        let reached = try await eventually(timeout: timeout) { try engine.job(id).status == status }
        let job = try engine.job(id)
        XCTAssertTrue(reached, "job never reached \(status.rawValue); is \(job.status.rawValue) (\(job.reason ?? ""))",
                      file: file, line: line)
        return job
    }

    /// The whole log, read as GetJobLogs would (history, then follow until final).
    func logText(_ id: String) async throws -> String {
        var data = Data()
        for try await chunk in try engine.logReader(id) { data.append(contentsOf: chunk) }
        return String(decoding: data, as: UTF8.self)
    }
}
