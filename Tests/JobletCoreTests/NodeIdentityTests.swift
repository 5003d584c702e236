import Foundation
import XCTest
@testable import JobletCore

final class NodeIdentityTests: XCTestCase {
    func testMadeOnceAndKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("node-id-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try NodeIdentity.loadOrCreate(dataDirectory: dir)
        XCTAssertNotNil(UUID(uuidString: first))
        XCTAssertEqual(first, first.lowercased())
        XCTAssertEqual(try NodeIdentity.loadOrCreate(dataDirectory: dir), first)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["node-id"], "no temporary file left")
        try "not a uuid\n".write(to: dir.appendingPathComponent("node-id"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NodeIdentity.loadOrCreate(dataDirectory: dir)) { error in
            XCTAssertTrue("\(error)".contains("node-id"), "\(error)")
        }
    }

    func testCPUPercentBetweenReadings() {
        let t0 = Date(timeIntervalSince1970: 1000)
        let a = JobUsage(time: t0, cpuSeconds: 10)
        let b = JobUsage(time: t0.addingTimeInterval(2), cpuSeconds: 11)
        XCTAssertEqual(b.cpuPercent(since: a), 50, accuracy: 1e-9)
        XCTAssertEqual(b.cpuPercent(since: nil), 0)
        XCTAssertEqual(a.cpuPercent(since: b), 0, "time going backwards reads as nothing")
    }
}
