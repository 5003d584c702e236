import Foundation
import JobletAPI
import ProtoWire
import XCTest

/// Our codec against Python's protobuf (upb): 1,000 random messages of every type in Protos/.
/// Python encodes (deterministic, maps in key order) → Swift decodes and re-encodes → the bytes
/// must be identical, Swift must decode its own bytes to an equal message, and Python must
/// decode Swift's bytes to a message equal to its original (Tests/python/proto_crosscheck.py).
final class PythonCrossCheckTests: XCTestCase {
    func testRandomMessagesMatchPythonProtobuf() throws {
        try crossCheck(protos: "Protos", types: JobletAPIRegistry.messageTypes)
    }

    /// Tests/protos/alltypes.proto: every scalar type, packed repeated, every map key type, oneofs.
    func testEveryFieldShapeMatchesPythonProtobuf() throws {
        try crossCheck(protos: "Tests/protos", types: FixtureRegistry.messageTypes)
    }

    private func crossCheck(protos protosPath: String, types: [String: any ProtoMessage.Type]) throws {
        guard which("protoc") != nil, let python = which("python3"),
              (try? runProcess(python, ["-c", "import google.protobuf"]))?.status == 0 else {
            throw XCTSkip("needs protoc, python3 and Python's protobuf package (pip install protobuf)")
        }
        let script = packageRoot.appendingPathComponent("Tests/python/proto_crosscheck.py").path
        let protos = packageRoot.appendingPathComponent(protosPath).path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let fromPython = work.appendingPathComponent("python.bin")
        let fromSwift = work.appendingPathComponent("swift.bin")

        let gen = try runProcess(python, [script, "gen", "--protos", protos, "--out", fromPython.path, "--count", "1000"])
        XCTAssertEqual(gen.status, 0, gen.output)
        print(gen.output, terminator: "")

        let input = [UInt8](try Data(contentsOf: fromPython))
        var output: [UInt8] = []
        var failures: [String] = []
        var counts: [String: Int] = [:]
        try input.withUnsafeBytes { raw in
            var r = ProtoReader(raw)
            while !r.isAtEnd {
                let name = try r.readString()
                let payload = try r.readLengthDelimited()
                guard let type = types[name] else {
                    failures.append("\(name): no Swift type")
                    continue
                }
                counts[name, default: 0] += 1
                let ours: [UInt8]
                do {
                    ours = try reencode(type, payload)
                } catch {
                    failures.append("\(name): \(error)\n  python \(hex([UInt8](payload)))")
                    ours = []
                }
                if ours != [UInt8](payload), failures.count < 20 {
                    failures.append("\(name): bytes differ\n  python \(hex([UInt8](payload)))\n  swift  \(hex(ours))")
                }
                append(record: name, ours, to: &output)
            }
        }
        XCTAssertEqual(counts.count, types.count, "every generated type is exercised")
        XCTAssert(counts.values.allSatisfy { $0 >= 1000 })
        XCTAssert(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5).joined(separator: "\n"))")

        try Data(output).write(to: fromSwift)
        let verify = try runProcess(python, [script, "verify", "--protos", protos, "--python", fromPython.path, "--swift", fromSwift.path])
        print(verify.output, terminator: "")
        XCTAssertEqual(verify.status, 0, verify.output)
    }

    private func reencode<M: ProtoMessage>(_ type: M.Type, _ payload: UnsafeRawBufferPointer) throws -> [UInt8] {
        let decoded = try M(serializedBytes: payload)
        let bytes = decoded.serializedBytes()
        XCTAssertEqual(bytes.count, decoded.serializedSize)
        let again = try M(serializedBytes: bytes)
        if again != decoded { XCTFail("\(M.protoMessageName): decode(encode(m)) != m") }
        return bytes
    }

    private func append(record name: String, _ payload: [UInt8], to out: inout [UInt8]) {
        for part in [Array(name.utf8), payload] {
            var n = UInt64(part.count)
            while n >= 0x80 { out.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
            out.append(UInt8(n))
            out += part
        }
    }
}
