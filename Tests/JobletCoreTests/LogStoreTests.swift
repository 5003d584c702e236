import Foundation
import XCTest
@testable import JobletCore

final class LogStoreTests: XCTestCase {
    /// `count` chunks of 64 KiB; each starts with its index, so no two chunks are alike.
    private func makeChunks(count: Int) -> [[UInt8]] {
        let pattern = [UInt8](unsafeUninitializedCapacity: 65_536) { buffer, count in
            for i in 0..<65_536 { buffer[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
            count = 65_536
        }
        return (0..<count).map { index in
            var chunk = pattern
            withUnsafeBytes(of: UInt64(index).bigEndian) { chunk.replaceSubrange(0..<8, with: $0) }
            return chunk
        }
    }

    private static func readAll(_ reader: LogReader) async throws -> Data {
        var data = Data()
        for try await chunk in reader { data.append(contentsOf: chunk) }
        return data
    }

    func testTenConcurrentReadersGetTheWholeTwentyMegabytes() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self))
        let id = "job-20mb"
        try logs.create(id)
        let chunks = makeChunks(count: 320)  // 20 MiB
        let expected = chunks.reduce(into: Data()) { $0.append(contentsOf: $1) }
        let readers = (0..<10).map { _ in
            Task { try await LogStoreTests.readAll(logs.reader(for: id)) }
        }
        let writer = Task.detached {
            for chunk in chunks { try logs.append(id, chunk) }
            logs.close(id)
        }
        try await writer.value
        for (index, reader) in readers.enumerated() {
            let got = try await reader.value
            XCTAssertEqual(got.count, expected.count, "reader \(index)")
            XCTAssertTrue(got == expected, "reader \(index) got different bytes")
        }
        XCTAssertEqual(try logs.contents(of: id).count, expected.count)
    }

    func testPausedReaderLosesNothingAndDoesNotHoldUpTheWriter() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self))
        let chunks = makeChunks(count: 160)  // 10 MiB
        let expected = chunks.reduce(into: Data()) { $0.append(contentsOf: $1) }

        // Baseline: the same write with no reader at all.
        try logs.create("baseline")
        let baselineStart = ContinuousClock.now
        for chunk in chunks { try logs.append("baseline", chunk) }
        let baseline = ContinuousClock.now - baselineStart

        let id = "paused"
        try logs.create(id)
        let writerDone = LockedState(false)
        let paused = Task {
            var iterator = logs.reader(for: id).makeAsyncIterator()
            var data = Data()
            guard let first = try await iterator.next() else { return (data, false) }
            data.append(contentsOf: first)
            try await Task.sleep(for: .seconds(2))
            // If the writer needed this reader to make progress, it could not have finished.
            let writerFinishedWhilePaused = await eventually(timeout: 60) { writerDone.withLock { $0 } }
            while let chunk = try await iterator.next() { data.append(contentsOf: chunk) }
            return (data, writerFinishedWhilePaused)
        }
        let brisk = Task { try await LogStoreTests.readAll(logs.reader(for: id)) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        try logs.append(id, chunks[0])
        try await Task.sleep(for: .milliseconds(200))  // the paused reader has its first chunk and sleeps
        for chunk in chunks.dropFirst() { try logs.append(id, chunk) }
        let withPausedReader = ContinuousClock.now - start - .milliseconds(200)
        writerDone.withLock { $0 = true }
        logs.close(id)

        let (pausedData, finishedWhilePaused) = try await paused.value
        XCTAssertTrue(finishedWhilePaused, "the writer did not finish while a reader was paused")
        XCTAssertEqual(pausedData.count, expected.count)
        XCTAssertTrue(pausedData == expected, "the paused reader lost or changed bytes")
        let briskData = try await brisk.value
        XCTAssertTrue(briskData == expected, "the brisk reader lost or changed bytes")
        print("writer time for 10 MiB: \(baseline) without readers, \(withPausedReader) with a paused reader")
    }

    func testFollowsAFileAnotherProcessAppendsTo() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self), pollInterval: .milliseconds(50))
        let id = "external"
        let url = try logs.create(id)
        let firstChunkAt = LockedState<ContinuousClock.Instant?>(nil)
        let reader = Task {
            var text = ""
            for try await chunk in logs.reader(for: id) {
                firstChunkAt.withLock { $0 = $0 ?? .now }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "for i in $(seq 1 40); do echo \"line $i\"; sleep 0.05; done >> \"$0\"", url.path]
        try process.run()
        // Wait for the process without blocking a cooperative thread.
        _ = await eventually(timeout: 30) { !process.isRunning }
        let exitedAt = ContinuousClock.now
        XCTAssertEqual(process.terminationStatus, 0)
        logs.close(id)
        let text = try await reader.value
        XCTAssertEqual(text, (1...40).map { "line \($0)\n" }.joined())
        let first = try XCTUnwrap(firstChunkAt.withLock { $0 })
        XCTAssertLessThan(first, exitedAt, "output arrived only after the writer had finished")
    }

    func testNonFollowingReaderStopsAtTheEnd() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self))
        try logs.append("a", Array("hello ".utf8))
        try logs.append("a", Array("world".utf8))
        let text = try await Self.readAll(logs.reader(for: "a", follow: false, chunkSize: 3))
        XCTAssertEqual(String(decoding: text, as: UTF8.self), "hello world")
        let missing = try await Self.readAll(logs.reader(for: "missing", follow: false))
        XCTAssertEqual(missing, Data())
        logs.close("a")
        let tail = try await Self.readAll(logs.reader(for: "a", from: 6))
        XCTAssertEqual(tail, Data("world".utf8))
    }

    func testReaderWaitingBeforeTheFileExistsAndCancellation() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self))
        let early = Task { try await LogStoreTests.readAll(logs.reader(for: "late")) }
        try await Task.sleep(for: .milliseconds(150))
        try logs.append("late", Array("x".utf8))
        logs.close("late")
        let late = try await early.value
        XCTAssertEqual(late, Data("x".utf8))

        let waiting = Task { try await LogStoreTests.readAll(logs.reader(for: "never-closed")) }
        try await Task.sleep(for: .milliseconds(150))
        waiting.cancel()
        let result = await waiting.result
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
    }

    func testDelete() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self))
        let url = try logs.create("gone")
        try logs.append("gone", Array("bye".utf8))
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))
        try logs.delete("gone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        try logs.delete("gone")
    }
}
