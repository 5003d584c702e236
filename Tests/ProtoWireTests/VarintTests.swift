import JobletAPI
import ProtoWire
import XCTest

final class VarintTests: XCTestCase {
    func testVarintVectors() throws {
        let cases: [(UInt64, String)] = [
            (0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (16383, "ff7f"), (16384, "808001"),
            (UInt64(UInt32.max), "ffffffff0f"), (UInt64.max, "ffffffffffffffffff01"),
        ]
        for (value, expected) in cases {
            let out = written(size: ProtoSize.varint(value)) { $0.writeVarint(value) }
            XCTAssertEqual(hex(out), expected, "\(value)")
            XCTAssertEqual(try reading(out) { try $0.readVarint() }, value)
        }
    }

    func testNegativeInt32IsTenBytes() throws {
        XCTAssertEqual(ProtoSize.int32(-1), 10)
        let out = written(size: 10) { $0.writeInt32(-1) }
        XCTAssertEqual(hex(out), "ffffffffffffffffff01")
        XCTAssertEqual(try reading(out) { try $0.readInt32() }, -1)
        let minimum = written(size: 10) { $0.writeInt32(.min) }
        XCTAssertEqual(try reading(minimum) { try $0.readInt32() }, .min)
    }

    func testInt32DecodesFromTruncatedSixtyFourBitVarint() throws {
        // Peers may send an int32 as a 5-byte varint; the high bits are dropped.
        XCTAssertEqual(try reading(bytes(hex: "ffffffff0f")) { try $0.readInt32() }, -1)
    }

    func testInt64AndUInt() throws {
        for v: Int64 in [0, 1, -1, .min, .max, 1 << 40] {
            let out = written(size: ProtoSize.int64(v)) { $0.writeInt64(v) }
            XCTAssertEqual(try reading(out) { try $0.readInt64() }, v)
        }
        for v: UInt32 in [0, 1, .max] {
            let out = written(size: ProtoSize.uint32(v)) { $0.writeUInt32(v) }
            XCTAssertEqual(try reading(out) { try $0.readUInt32() }, v)
        }
    }

    func testZigZag() throws {
        let cases32: [(Int32, UInt32)] = [(0, 0), (-1, 1), (1, 2), (-2, 3), (.max, .max - 1), (.min, .max)]
        for (v, z) in cases32 {
            XCTAssertEqual(ZigZag.encode32(v), z)
            XCTAssertEqual(ZigZag.decode32(z), v)
            let out = written(size: ProtoSize.sint32(v)) { $0.writeSInt32(v) }
            XCTAssertEqual(try reading(out) { try $0.readSInt32() }, v)
        }
        let cases64: [(Int64, UInt64)] = [(0, 0), (-1, 1), (1, 2), (.max, .max - 1), (.min, .max)]
        for (v, z) in cases64 {
            XCTAssertEqual(ZigZag.encode64(v), z)
            XCTAssertEqual(ZigZag.decode64(z), v)
            let out = written(size: ProtoSize.sint64(v)) { $0.writeSInt64(v) }
            XCTAssertEqual(try reading(out) { try $0.readSInt64() }, v)
        }
        XCTAssertEqual(hex(written(size: 1) { $0.writeSInt32(-1) }), "01")
    }

    func testBool() throws {
        XCTAssertEqual(hex(written(size: 1) { $0.writeBool(true) }), "01")
        XCTAssertTrue(try reading([0x02]) { try $0.readBool() })  // any non-zero varint is true
        XCTAssertFalse(try reading([0x00]) { try $0.readBool() })
    }

    func testTruncatedVarint() {
        expectDecodingError(.truncatedVarint) { _ = try reading([0x80]) { try $0.readVarint() } }
        expectDecodingError(.truncatedVarint) { _ = try reading([]) { try $0.readVarint() } }
        expectDecodingError(.truncatedVarint) { _ = try Joblet_Job(serializedBytes: [0x28, 0xff, 0xff]) }
    }

    func testVarintLongerThanTenBytes() {
        let eleven = [UInt8](repeating: 0xff, count: 10) + [0x01]
        expectDecodingError(.varintTooLong) { _ = try reading(eleven) { try $0.readVarint() } }
        expectDecodingError(.varintTooLong) { _ = try Joblet_Job(serializedBytes: [0x28] + eleven) }
    }
}
