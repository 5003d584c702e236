import JobletAPI
import ProtoWire
import XCTest

final class LengthDelimitedTests: XCTestCase {
    func testStringAndBytes() throws {
        var m = Joblet_FileUpload()
        m.path = "é/中/😀"
        m.content = [0, 1, 255]
        let out = m.serializedBytes()
        XCTAssertEqual(hex(out), "0a0b" + hex(Array("é/中/😀".utf8)) + "1203" + "0001ff")
        XCTAssertEqual(try Joblet_FileUpload(serializedBytes: out), m)
    }

    func testInvalidUTF8IsRejected() {
        for bad in [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe4, 0xb8]] as [[UInt8]] {
            expectDecodingError(.invalidUTF8) { _ = try Joblet_Job(serializedBytes: [0x0a, UInt8(bad.count)] + bad) }
        }
    }

    func testInvalidUTF8InBytesFieldIsFine() throws {
        let m = try Joblet_DataChunk(serializedBytes: [0x0a, 0x01, 0xff])
        XCTAssertEqual(m.payload, [0xff])
    }

    func testLengthPastEnd() {
        expectDecodingError(.lengthPastEnd) { _ = try Joblet_Job(serializedBytes: [0x0a, 0x05, 0x61]) }
        // A length near 2^64 must neither trap nor allocate.
        let huge: [UInt8] = [0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        expectDecodingError(.lengthPastEnd) { _ = try Joblet_DataChunk(serializedBytes: [0x0a] + Array(huge.dropFirst())) }
        expectDecodingError(.lengthPastEnd) { _ = try Joblet_SystemStatusRes(serializedBytes: [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f]) }
    }

    func testEmptyLengthDelimitedValues() throws {
        let m = try Joblet_FileUpload(serializedBytes: [0x0a, 0x00, 0x12, 0x00])
        XCTAssertEqual(m, Joblet_FileUpload())
        XCTAssertEqual(m.serializedBytes(), [])  // proto3 defaults are not emitted
    }

    func testDecodeFromUnsafeRawBufferPointer() throws {
        let bytes: [UInt8] = [0x0a, 0x03, 0x61, 0x62, 0x63]
        let m = try bytes.withUnsafeBytes { try Joblet_GetJobStatusReq(serializedBytes: $0) }
        XCTAssertEqual(m.uuid, "abc")
        XCTAssertEqual(try Joblet_GetJobStatusReq(serializedBytes: UnsafeRawBufferPointer(start: nil, count: 0)), .init())
    }
}
