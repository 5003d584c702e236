import XCTest
@testable import RPC

final class GzipTests: XCTestCase {
    func testRoundTrip() throws {
        let input = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let compressed = try Gzip.compress(input)
        XCTAssertLessThan(compressed.count, input.count)
        XCTAssertEqual(compressed.prefix(2), [0x1F, 0x8B])  // a gzip member, not raw zlib
        XCTAssertEqual(try Gzip.decompress(compressed, limit: input.count), input)
        XCTAssertEqual(try Gzip.decompress(try Gzip.compress([]), limit: 0), [])
    }

    func testSmallBombStopsAtTheLimit() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 8 << 20))
        XCTAssertLessThan(bomb.count, 16 << 10)
        XCTAssertThrowsError(try Gzip.decompress(bomb, limit: 1 << 20)) { error in
            guard case GzipError.tooLarge = error else { return XCTFail("expected tooLarge, got \(error)") }
        }
    }

    func testGarbageAndTruncationThrow() throws {
        XCTAssertThrowsError(try Gzip.decompress([1, 2, 3, 4, 5, 6, 7, 8], limit: 100))
        let good = try Gzip.compress(Array("hello hello hello".utf8))
        XCTAssertThrowsError(try Gzip.decompress(Array(good.prefix(good.count - 6)), limit: 100))
    }
}
