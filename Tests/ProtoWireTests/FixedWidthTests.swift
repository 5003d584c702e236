import JobletAPI
import ProtoWire
import XCTest

final class FixedWidthTests: XCTestCase {
    func testFixed32AndSFixed32AreLittleEndian() throws {
        let out = written(size: 4) { $0.writeFixed32(0x0102_0304) }
        XCTAssertEqual(hex(out), "04030201")
        XCTAssertEqual(try reading(out) { try $0.readFixed32() }, 0x0102_0304)
        let neg = written(size: 4) { $0.writeSFixed32(-2) }
        XCTAssertEqual(hex(neg), "feffffff")
        XCTAssertEqual(try reading(neg) { try $0.readSFixed32() }, -2)
    }

    func testFixed64AndSFixed64() throws {
        let out = written(size: 8) { $0.writeFixed64(0x0102_0304_0506_0708) }
        XCTAssertEqual(hex(out), "0807060504030201")
        XCTAssertEqual(try reading(out) { try $0.readFixed64() }, 0x0102_0304_0506_0708)
        let neg = written(size: 8) { $0.writeSFixed64(.min) }
        XCTAssertEqual(try reading(neg) { try $0.readSFixed64() }, .min)
    }

    func testFloatAndDoubleKeepBits() throws {
        XCTAssertEqual(hex(written(size: 8) { $0.writeDouble(1.0) }), "000000000000f03f")
        XCTAssertEqual(hex(written(size: 4) { $0.writeFloat(1.0) }), "0000803f")
        for d in [0.0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan] {
            let out = written(size: 8) { $0.writeDouble(d) }
            XCTAssertEqual(try reading(out) { try $0.readDouble() }.bitPattern, d.bitPattern)
        }
        for f: Float in [0, -0.0, .infinity, .leastNonzeroMagnitude, 3.5] {
            let out = written(size: 4) { $0.writeFloat(f) }
            XCTAssertEqual(try reading(out) { try $0.readFloat() }.bitPattern, f.bitPattern)
        }
    }

    func testNegativeZeroDoubleIsEmitted() throws {
        // upb and protobuf C++ compare bit patterns: -0.0 is not the default.
        var m = Joblet_CPUMetrics()
        m.usagePercent = -0.0
        XCTAssertEqual(hex(m.serializedBytes()), "110000000000000080")
        m.usagePercent = 0.0
        XCTAssertEqual(m.serializedBytes(), [])
    }

    func testTruncatedFixed() {
        expectDecodingError(.truncated) { _ = try reading([1, 2, 3]) { try $0.readFixed32() } }
        expectDecodingError(.truncated) { _ = try reading([1, 2, 3, 4, 5, 6, 7]) { try $0.readFixed64() } }
        // CPUMetrics.usagePercent (field 2, fixed64) with 3 bytes of payload.
        expectDecodingError(.truncated) { _ = try Joblet_CPUMetrics(serializedBytes: [0x11, 0, 0, 0]) }
    }
}
