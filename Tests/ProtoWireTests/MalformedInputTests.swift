import JobletAPI
import ProtoWire
import XCTest

/// A self-nesting message for the depth limit (none of our protos is recursive).
private struct Nest: ProtoMessage {
    static let protoMessageName = "test.Nest"
    var children: [Nest] = []
    var unknownFields = UnknownFields()

    var serializedSize: Int { unknownFields.count + children.reduce(0) { $0 + 1 + ProtoSize.message($1) } }

    func encodeMessage(to writer: inout ProtoWriter) {
        for c in children { writer.writeTag(10); writer.writeMessage(c) }
        writer.writeUnknown(unknownFields)
    }

    mutating func decodeMessage(from reader: inout ProtoReader) throws {
        while let tag = try reader.nextTag() {
            if tag.rawValue == 10 {
                var c = Nest(); try reader.readMessage(into: &c); children.append(c)
            } else {
                try reader.skipField(tag, into: &unknownFields)
            }
        }
    }
}

final class MalformedInputTests: XCTestCase {
    func testWireTypesSixAndSevenAreRejected() {
        expectDecodingError(.invalidWireType) { _ = try Joblet_Job(serializedBytes: [0x0e]) }
        expectDecodingError(.invalidWireType) { _ = try Joblet_Job(serializedBytes: [0x0f]) }
    }

    func testGroupsAreRejected() {
        expectDecodingError(.groupsUnsupported) { _ = try Joblet_Job(serializedBytes: [0x0b, 0x0c]) }
        expectDecodingError(.groupsUnsupported) { _ = try Joblet_Job(serializedBytes: [0x0c]) }
    }

    func testFieldNumberZeroIsRejected() {
        expectDecodingError(.invalidFieldNumber) { _ = try Joblet_Job(serializedBytes: [0x00, 0x01]) }
        expectDecodingError(.invalidFieldNumber) { _ = try Joblet_Job(serializedBytes: [0x02, 0x00]) }
    }

    func testKeyBeyondThirtyTwoBitsIsRejected() {
        expectDecodingError(.invalidFieldNumber) { _ = try Joblet_Job(serializedBytes: [0x80, 0x80, 0x80, 0x80, 0x10, 0x00]) }
    }

    func testErrorsInNestedMessagesPropagate() {
        // SystemStatusRes.host (3) holding a HostInfo whose hostname has bad UTF-8.
        expectDecodingError(.invalidUTF8) { _ = try Joblet_SystemStatusRes(serializedBytes: [0x1a, 0x03, 0x0a, 0x01, 0xff]) }
        // Nested length runs past its parent's end even though the whole buffer is long enough.
        expectDecodingError(.lengthPastEnd) { _ = try Joblet_SystemStatusRes(serializedBytes: [0x1a, 0x02, 0x0a, 0x05, 0x61, 0x61, 0x61, 0x61, 0x61]) }
    }

    func testPackedFixedLengthMustBeWholeElements() {
        // CPUMetrics.loadAverage (8, packed double) with 7 bytes.
        expectDecodingError(.invalidPackedLength) { _ = try Joblet_CPUMetrics(serializedBytes: [0x42, 0x07, 0, 0, 0, 0, 0, 0, 0]) }
    }

    func testNestingDepthLimit() throws {
        func nested(_ depth: Int) -> [UInt8] {
            var m = Nest()
            for _ in 0..<depth { var parent = Nest(); parent.children = [m]; m = parent }
            return m.serializedBytes()
        }
        XCTAssertNoThrow(try Nest(serializedBytes: nested(ProtoReader.maxDepth)))
        expectDecodingError(.nestingTooDeep) { _ = try Nest(serializedBytes: nested(ProtoReader.maxDepth + 1)) }
        // Deep input built by hand, far past the limit: an error, not a stack overflow.
        var deep: [UInt8] = []
        for _ in 0..<2_000 { deep = [0x0a] + lengthPrefix(deep.count) + deep }
        expectDecodingError(.nestingTooDeep) { _ = try Nest(serializedBytes: deep) }
    }

    private func lengthPrefix(_ n: Int) -> [UInt8] {
        written(size: ProtoSize.varint(UInt64(n))) { $0.writeVarint(UInt64(n)) }
    }

    func testTruncationAtEveryByteNeverTraps() throws {
        var job = Joblet_Job()
        job.uuid = "f47ac10b-58cc"; job.args = ["-c", "echo"]; job.maxCPU = -5
        job.environment = ["A": "1", "B": "2"]; job.gpuIndices = [0, 1, -1]; job.reason = "OOM"
        let full = job.serializedBytes()
        for cut in 0..<full.count {
            _ = try? Joblet_Job(serializedBytes: Array(full[0..<cut]))
        }
        XCTAssertEqual(try Joblet_Job(serializedBytes: full), job)
    }

    func testErrorDescriptionNamesReasonAndOffset() {
        let e = ProtoDecodingError(.lengthPastEnd, offset: 7)
        XCTAssertEqual(e.description, "protobuf decoding failed: length prefix runs past the end of the message at byte 7")
    }
}
