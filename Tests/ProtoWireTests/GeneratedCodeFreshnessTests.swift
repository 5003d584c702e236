import Foundation
import XCTest

/// Sources/JobletAPI is generated and committed; this fails when it no longer matches what
/// protoc-gen-jobletswift makes from Protos/ (fix: scripts/gen-proto.sh, then commit).
final class GeneratedCodeFreshnessTests: XCTestCase {
    func testGeneratedCodeIsUpToDate() throws {
        guard let protoc = which("protoc") else {
            throw XCTSkip("protoc not installed (apt-get install protobuf-compiler); generated code not checked")
        }
        // SwiftPM builds the plugin next to the test bundle.
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [binDir, binDir.deletingLastPathComponent()].map { $0.appendingPathComponent("protoc-gen-jobletswift").path }
        guard let plugin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return XCTFail("protoc-gen-jobletswift not built (looked in \(candidates)); run swift build first")
        }
        try check(plugin: plugin, protoc: protoc, protos: "Protos", output: "Sources/JobletAPI", option: "")
        try check(plugin: plugin, protoc: protoc, protos: "Tests/protos", output: "Tests/ProtoWireTests/Generated",
                  option: "registry=FixtureRegistry:")
    }

    private func check(plugin: String, protoc: String, protos: String, output: String, option: String) throws {
        let protosDir = packageRoot.appendingPathComponent(protos)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("jobletswift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }

        let files = try FileManager.default.subpathsOfDirectory(atPath: protosDir.path).filter { $0.hasSuffix(".proto") }.sorted()
        let result = try runProcess(protoc, ["-I", ".", "--plugin=protoc-gen-jobletswift=\(plugin)", "--jobletswift_out=\(option)\(out.path)"] + files,
                                    cwd: protosDir)
        XCTAssertEqual(result.status, 0, result.output)

        let committedDir = packageRoot.appendingPathComponent(output)
        let fresh = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let committed = try FileManager.default.contentsOfDirectory(atPath: committedDir.path).sorted()
        XCTAssertEqual(committed, fresh, "\(output) holds other files than the generator makes; run scripts/gen-proto.sh")
        for name in fresh where committed.contains(name) {
            let a = try Data(contentsOf: out.appendingPathComponent(name))
            let b = try Data(contentsOf: committedDir.appendingPathComponent(name))
            XCTAssert(a == b, "\(output)/\(name) is stale; run scripts/gen-proto.sh and commit")
        }
    }
}
