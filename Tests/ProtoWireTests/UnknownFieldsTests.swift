import JobletAPI
import ProtoWire
import XCTest

final class UnknownFieldsTests: XCTestCase {
    /// Fields of every wire type that Job does not declare, as a newer peer would send them.
    private let unknown = bytes(hex:
        "b8060a" +                   // 103: varint 10
        "c106" + "0102030405060708" + // 104: fixed64
        "ca0603616263" +             // 105: length-delimited "abc"
        "d506" + "01020304" +         // 106: fixed32
        "f8ffffff0f01")              // field 2^29-1: varint 1

    func testUnknownFieldsAreKeptAndReEmittedByteExact() throws {
        let known = bytes(hex: "0a0175")  // uuid "u"
        let m = try Joblet_Job(serializedBytes: known + unknown)
        XCTAssertEqual(m.uuid, "u")
        XCTAssertEqual(m.unknownFields.bytes, unknown)
        XCTAssertEqual(m.serializedBytes(), known + unknown)
        XCTAssertEqual(m.serializedSize, known.count + unknown.count)
    }

    func testUnknownFieldsInterleavedAreMovedAfterKnownOnes() throws {
        let m = try Joblet_Job(serializedBytes: unknown + bytes(hex: "0a0175"))
        XCTAssertEqual(m.serializedBytes(), bytes(hex: "0a0175") + unknown)
    }

    func testUnknownFieldsInNestedMessagesSurvive() throws {
        // Jobs { jobs: Job { <unknown> } }
        let inner = unknown
        let outer = [0x0a, UInt8(inner.count)] + inner
        let m = try Joblet_Jobs(serializedBytes: outer)
        XCTAssertEqual(m.jobs.first?.unknownFields.bytes, inner)
        XCTAssertEqual(m.serializedBytes(), outer)
    }

    func testUnknownFieldsTakePartInEquality() throws {
        let a = try Joblet_Job(serializedBytes: unknown)
        XCTAssertNotEqual(a, Joblet_Job())
        var b = Joblet_Job()
        b.unknownFields = UnknownFields(bytes: unknown)
        XCTAssertEqual(a, b)
    }

    func testPeerWithMoreInteropFieldsDecodes() throws {
        // SimpleRequest field 11 (orca_per_query_report upstream) is not in our messages.proto.
        let m = try Grpc_Testing_SimpleRequest(serializedBytes: bytes(hex: "1004" + "5a00"))
        XCTAssertEqual(m.responseSize, 4)
        XCTAssertEqual(m.unknownFields.bytes, [0x5a, 0x00])
    }
}
