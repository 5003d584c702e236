import Foundation
import XCTest
@testable import JobletCore

/// Artifact patterns (issue 19): what RunJob accepts, how globs match, and the workspace walk
/// that never follows a symbolic link.
final class ArtifactPatternTests: XCTestCase {
    func testCheckRefusesPathsOutsideTheWorkspace() {
        for bad in ["", "/etc/passwd", "../x", "out/../x", "out//x", "./x", String(repeating: "a", count: 513)] {
            XCTAssertThrowsError(try ArtifactPattern.check([bad]), bad) { error in
                XCTAssertEqual((error as? JobletError)?.code, .invalidArgument)
            }
        }
        XCTAssertThrowsError(try ArtifactPattern.check(Array(repeating: "a", count: 33)))
        XCTAssertNoThrow(try ArtifactPattern.check(["out/adapter_model.safetensors", "out/*.json", "ckpt-?/model.bin"]))
    }

    func testGlobMatching() {
        XCTAssertTrue(ArtifactPattern.matches("config.json", "*.json"))
        XCTAssertTrue(ArtifactPattern.matches("a.json", "?.json"))
        XCTAssertFalse(ArtifactPattern.matches("ab.json", "?.json"))
        XCTAssertTrue(ArtifactPattern.matches("model-00001-of-00002.safetensors", "model-*-of-*.safetensors"))
        XCTAssertFalse(ArtifactPattern.matches("config.json.bak", "*.json"))
        XCTAssertFalse(ArtifactPattern.matches(".hidden.json", "*.json"), "a dot file needs a dot in the pattern")
        XCTAssertTrue(ArtifactPattern.matches(".hidden.json", ".*.json"))
        XCTAssertTrue(ArtifactPattern.matches("x", "*"))
    }

    func testExpandSkipsSymlinksAndNonFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("out/sub"), withIntermediateDirectories: true)
        for name in ["out/a.json", "out/b.json", "out/sub/c.json", "out/model.bin"] {
            _ = fm.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data("x".utf8))
        }
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("out/leak.json").path, withDestinationPath: "/etc/passwd")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("linkdir").path, withDestinationPath: "/etc")
        try fm.createDirectory(at: dir.appendingPathComponent("out/dir.json"), withIntermediateDirectories: true)
        func expand(_ p: String) -> [String] { ArtifactKeeper.expand(ArtifactPattern.components(p)[...], under: dir, relative: "") }
        XCTAssertEqual(expand("out/*.json"), ["out/a.json", "out/b.json"])
        XCTAssertEqual(expand("out/*/c.json"), ["out/sub/c.json"])
        XCTAssertEqual(expand("out/leak.json"), [])
        XCTAssertEqual(expand("linkdir/passwd"), [], "never through a symlinked directory")
        XCTAssertEqual(expand("out/model.bin"), ["out/model.bin"])
        XCTAssertEqual(expand("nothing/*"), [])
    }
}
