import JobletAPI
import ProtoWire
import XCTest

final class MessageRoundTripTests: XCTestCase {
    func testDefaultsAreNotEmitted() {
        XCTAssertEqual(Joblet_Job().serializedBytes(), [])
        XCTAssertEqual(Joblet_Job().serializedSize, 0)
        var r = Joblet_RunJobRequest()
        r.maxCpu = 0; r.name = ""; r.args = []
        XCTAssertEqual(r.serializedBytes(), [])
    }

    func testFieldsAreWrittenInNumberOrder() {
        var j = Joblet_Job()
        j.reason = "r"; j.uuid = "u"; j.maxCPU = 1
        XCTAssertEqual(hex(j.serializedBytes()), "0a0175" + "2801" + "a2060172")
    }

    func testRepeatedNumericIsPackedAndBothFormsDecode() throws {
        var j = Joblet_Job()
        j.gpuIndices = [1, 300, -1]
        let packed = j.serializedBytes()
        XCTAssertEqual(hex(packed), "8a010d" + "01" + "ac02" + "ffffffffffffffffff01")
        XCTAssertEqual(try Joblet_Job(serializedBytes: packed).gpuIndices, [1, 300, -1])
        // Unpacked: three separate varint fields (key 17<<3|0 = 0x88 0x01), and mixed with packed.
        let unpacked = bytes(hex: "880101" + "8801ac02" + "8a010101")
        XCTAssertEqual(try Joblet_Job(serializedBytes: unpacked).gpuIndices, [1, 300, 1])
    }

    func testPackedDoubles() throws {
        var m = Joblet_CPUMetrics()
        m.loadAverage = [1.0, -0.0, .infinity]
        m.perCoreUsage = []
        let out = m.serializedBytes()
        XCTAssertEqual(hex(Array(out.prefix(2))), "4218")
        XCTAssertEqual(try Joblet_CPUMetrics(serializedBytes: out).loadAverage.map(\.bitPattern), m.loadAverage.map(\.bitPattern))
    }

    func testMapsRoundTripInKeyOrder() throws {
        var j = Joblet_Job()
        j.environment = ["b": "2", "a": "1", "": "", "ab": "3"]
        let out = j.serializedBytes()
        // Entries in upb's deterministic order (a longer key before its prefix, so "" last);
        // key and value always written inside an entry, as upb does.
        XCTAssertEqual(hex(out), "7a070a026162120133" + "7a060a01611201" + "31" + "7a060a01621201" + "32" + "7a040a001200")
        XCTAssertEqual(try Joblet_Job(serializedBytes: out), j)
    }

    func testMapEntryWithMissingKeyOrValueUsesDefaults() throws {
        let noValue = try Joblet_Job(serializedBytes: bytes(hex: "7a030a016b"))
        XCTAssertEqual(noValue.environment, ["k": ""])
        let noKey = try Joblet_Job(serializedBytes: bytes(hex: "7a03120176"))
        XCTAssertEqual(noKey.environment, ["": "v"])
        let empty = try Joblet_Job(serializedBytes: bytes(hex: "7a00"))
        XCTAssertEqual(empty.environment, ["": ""])
        // Unknown fields inside an entry are skipped; a later duplicate key wins.
        let dup = try Joblet_Job(serializedBytes: bytes(hex: "7a080a016b1201761801" + "7a060a016b120177"))
        XCTAssertEqual(dup.environment, ["k": "w"])
    }

    func testNestedMessagesAndRepeatedMessages() throws {
        var s = Joblet_SystemStatusRes()
        s.host = Joblet_HostInfo()  // present but empty: written as a zero-length field
        var d = Joblet_DiskMetrics(); d.device = "sda"; d.usagePercent = 12.5
        s.disks = [d, Joblet_DiskMetrics()]
        var p = Joblet_ProcessMetrics(); var info = Joblet_ProcessInfo(); info.pid = -3; p.topByCPU = [info]
        s.processes = p
        let out = s.serializedBytes()
        XCTAssertEqual(Array(out.prefix(2)), [0x1a, 0x00])
        XCTAssertEqual(try Joblet_SystemStatusRes(serializedBytes: out), s)
    }

    func testSingularMessageOccurringTwiceIsMerged() throws {
        // host { hostname: "a" } then host { os: "b" } → host { hostname: "a", os: "b" }.
        let m = try Joblet_SystemStatusRes(serializedBytes: bytes(hex: "1a030a0161" + "1a03120162"))
        XCTAssertEqual(m.host?.hostname, "a")
        XCTAssertEqual(m.host?.os, "b")
    }

    func testOneofs() throws {
        var c = Joblet_RuntimeInstallationChunk()
        XCTAssertNil(c.chunkType)
        c.log = Joblet_RuntimeInstallationLog()  // an empty member is still written
        XCTAssertEqual(hex(c.serializedBytes()), "1200")
        var result = Joblet_RuntimeInstallationResult(); result.success = true
        c.result = result  // setting another member replaces the first
        XCTAssertEqual(try Joblet_RuntimeInstallationChunk(serializedBytes: c.serializedBytes()), c)
        guard case .result(let r)? = c.chunkType else { return XCTFail("expected result") }
        XCTAssertTrue(r.success)
        XCTAssertEqual(c.log, Joblet_RuntimeInstallationLog())
        // Last member on the wire wins.
        let last = try Joblet_RuntimeInstallationChunk(serializedBytes: bytes(hex: "1200" + "0a021002"))
        XCTAssertEqual(last.chunkType, .progress({ var p = Joblet_RuntimeInstallationProgress(); p.step = 2; return p }()))

        var req = Grpc_Reflection_V1_ServerReflectionRequest()
        req.listServices = ""  // scalar oneof member at its default is still written
        XCTAssertEqual(hex(req.serializedBytes()), "3a00")
        XCTAssertEqual(try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: req.serializedBytes()), req)
    }

    func testOpenEnums() throws {
        var r = Grpc_Health_V1_HealthCheckResponse()
        XCTAssertEqual(r.status, .unknown)
        r.status = .serving
        XCTAssertEqual(hex(r.serializedBytes()), "0801")
        let unknown = try Grpc_Health_V1_HealthCheckResponse(serializedBytes: [0x08, 0x07])
        XCTAssertEqual(unknown.status, .UNRECOGNIZED(7))
        XCTAssertEqual(unknown.serializedBytes(), [0x08, 0x07])
        let negative = try Grpc_Health_V1_HealthCheckResponse(serializedBytes: bytes(hex: "08feffffffffffffffff01"))
        XCTAssertEqual(negative.status.rawValue, -2)
        XCTAssertEqual(Grpc_Testing_GrpclbRouteType(rawValue: 2), .backend)
        XCTAssertEqual(Grpc_Health_V1_HealthCheckResponse.ServingStatus.notServing.rawValue, 2)
    }

    func testMismatchedWireTypeIsKeptAsUnknown() throws {
        // Job.uuid (field 1) sent as a varint: not ours to interpret, so it is kept verbatim.
        let m = try Joblet_Job(serializedBytes: [0x08, 0x05])
        XCTAssertEqual(m.uuid, "")
        XCTAssertEqual(m.unknownFields.bytes, [0x08, 0x05])
        XCTAssertEqual(m.serializedBytes(), [0x08, 0x05])
    }

    func testLargeMessageRoundTrip() throws {
        var chunk = Joblet_DataChunk()
        chunk.payload = [UInt8](repeating: 0x5a, count: 1 << 20)
        let out = chunk.serializedBytes()
        XCTAssertEqual(out.count, 1 + 3 + (1 << 20))
        XCTAssertEqual(try Joblet_DataChunk(serializedBytes: out), chunk)
    }
}
