import XCTest
@testable import RPC

final class MessageDeframerTests: XCTestCase {
    private func messages(_ d: inout MessageDeframer) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let m = try d.next() { out.append(m.bytes) }
        return out
    }

    func testSplitAcrossManyAppends() throws {
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let framed = MessageFramer.frame(payload, compressed: false)
        var d = MessageDeframer(maxMessageSize: 4096)
        var got: [[UInt8]] = []
        var i = 0
        while i < framed.count {
            let end = min(framed.count, i + 97)
            d.append(Array(framed[i..<end]))
            got += try messages(&d)
            i = end
        }
        XCTAssertEqual(got, [payload])
        XCTAssertFalse(d.hasPartialMessage)
    }

    func testByteByByte() throws {
        let framed = MessageFramer.frame([9, 8, 7], compressed: true) + MessageFramer.frame([], compressed: false)
        var d = MessageDeframer(maxMessageSize: 16)
        var got: [MessageDeframer.Message] = []
        for b in framed {
            d.append([b])
            while let m = try d.next() { got.append(m) }
        }
        XCTAssertEqual(got.map(\.bytes), [[9, 8, 7], []])
        XCTAssertEqual(got.map(\.compressed), [true, false])
        XCTAssertFalse(d.hasPartialMessage)
    }

    func testTwoMessagesInOneAppend() throws {
        var d = MessageDeframer(maxMessageSize: 16)
        d.append(MessageFramer.frame([1], compressed: false) + MessageFramer.frame([2, 3], compressed: false))
        XCTAssertEqual(try messages(&d), [[1], [2, 3]])
    }

    func testPartialMessageIsReported() throws {
        var d = MessageDeframer(maxMessageSize: 16)
        d.append([0, 0, 0, 0, 4, 1])
        XCTAssertNil(try d.next())
        XCTAssertTrue(d.hasPartialMessage)
    }

    func testOversizedLengthFailsOnThePrefixWithoutBuffering() {
        var d = MessageDeframer(maxMessageSize: 4 << 20)
        d.append([0, 0xFF, 0xFF, 0xFF, 0xFF])  // only the prefix: nothing of the 4 GiB arrives
        XCTAssertThrowsError(try d.next()) { error in
            XCTAssertEqual(error as? DeframingError, .messageTooLarge(length: 0xFFFF_FFFF, limit: 4 << 20))
        }
        var exact = MessageDeframer(maxMessageSize: 3)
        exact.append([0, 0, 0, 0, 4])
        XCTAssertThrowsError(try exact.next())
        exact = MessageDeframer(maxMessageSize: 4)
        exact.append([0, 0, 0, 0, 4, 1, 2, 3, 4])
        XCTAssertEqual(try exact.next()?.bytes, [1, 2, 3, 4])
    }

    func testBadCompressedFlag() {
        var d = MessageDeframer(maxMessageSize: 16)
        d.append([2, 0, 0, 0, 0])
        XCTAssertThrowsError(try d.next()) { error in
            XCTAssertEqual(error as? DeframingError, .badCompressedFlag(2))
        }
    }
}
