import Foundation
import Glibc
import XCTest
@testable import JobletLinux

/// Uploads land inside the workspace with their modes, or nowhere at all.
final class WorkspaceWriterTests: XCTestCase {
    var base = ""
    var workspace: String { base + "/ws" }
    var outside: String { base + "/outside" }
    let owner = JobUser(uid: 65534, gid: 65534)

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "chown to the job's user needs root")
        var template = Array("/tmp/joblet-upload-XXXXXX".utf8CString)
        base = String(cString: mkdtemp(&template)!)
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: base) }

    private func write(_ uploads: [WorkspaceUpload]) throws {
        try WorkspaceWriter(workspace: workspace, owner: owner).write(uploads)
    }

    private func stat(_ path: String) -> Glibc.stat? {
        var st = Glibc.stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    private func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    func testFilesAndDirectoriesKeepTheirModesAndBelongToTheJobUser() throws {
        try write([.directory("src", mode: 0o750),
                   .file("src/main.py", Array("print(1)\n".utf8), mode: 0o755),
                   .file("deep/er/data.bin", [0, 1, 2], mode: 0o600),
                   .file("./notes.txt", Array("hi".utf8))])
        XCTAssertEqual(try String(contentsOfFile: "\(workspace)/src/main.py", encoding: .utf8), "print(1)\n")
        XCTAssertEqual(stat("\(workspace)/src")!.st_mode & 0o7777, 0o750)
        XCTAssertEqual(stat("\(workspace)/src/main.py")!.st_mode & 0o7777, 0o755)
        XCTAssertEqual(stat("\(workspace)/deep/er/data.bin")!.st_mode & 0o7777, 0o600)
        XCTAssertEqual(stat("\(workspace)/deep/er/data.bin")!.st_size, 3)
        XCTAssertEqual(stat("\(workspace)/notes.txt")!.st_mode & 0o7777, 0o644)
        for path in ["src", "src/main.py", "deep", "deep/er", "deep/er/data.bin", "notes.txt"] {
            XCTAssertEqual(stat("\(workspace)/\(path)")!.st_uid, owner.uid, path)
            XCTAssertEqual(stat("\(workspace)/\(path)")!.st_gid, owner.gid, path)
        }
    }

    func testSetIDBitsAreDropped() throws {
        try write([.file("tool", [0x23], mode: 0o6755)])
        XCTAssertEqual(stat("\(workspace)/tool")!.st_mode & 0o7777, 0o755)
    }

    func testLexicalEscapesAreRejected() throws {
        for path in ["../x", "/etc/passwd", "a/../../x", "a/b/../../../x", "..", "", ".", "a/\u{0}b"] {
            XCTAssertThrowsError(try write([.file(path, [1])]), path) { error in
                guard case LocalJobError.uploadRejected = error else { return XCTFail("\(path): \(error)") }
            }
        }
        XCTAssertEqual(entries(workspace), [])
        XCTAssertEqual(entries(outside), [])
    }

    func testSymlinksInTheWorkspaceAreNeverFollowed() throws {
        XCTAssertEqual(symlink(outside, "\(workspace)/link"), 0)
        XCTAssertEqual(symlink("\(outside)/target", "\(workspace)/file-link"), 0)
        for upload in [WorkspaceUpload.file("link/evil", [1]), .directory("link/newdir"), .file("file-link", [1]),
                       .directory("link"), .file("link/a/b/c", [1])] {
            XCTAssertThrowsError(try write([upload]), upload.path) { error in
                XCTAssertTrue("\(error)".contains("symbolic link"), "\(error)")
            }
        }
        XCTAssertEqual(entries(outside), [])
    }

    func testARejectedBatchWritesNothing() throws {
        XCTAssertThrowsError(try write([.file("good.txt", [1]), .directory("dir"), .file("../escape", [1])]))
        XCTAssertThrowsError(try write([.file("a", [1]), .file("a/b", [1])])) { error in
            XCTAssertTrue("\(error)".contains("a is a file uploaded in the same request"), "\(error)")
        }
        XCTAssertEqual(entries(workspace), [])
        XCTAssertEqual(entries(outside), [])
    }

    func testTypeCollisionsWithExistingEntriesAreRejected() throws {
        try write([.file("f", [1]), .directory("d")])
        XCTAssertThrowsError(try write([.directory("f")]))
        XCTAssertThrowsError(try write([.file("d", [1])]))
        XCTAssertThrowsError(try write([.file("f/x", [1])]))
        try write([.file("f", [2, 3])])  // overwriting a file with a file is fine
        XCTAssertEqual(stat("\(workspace)/f")!.st_size, 2)
    }

    func testStartRejectsEscapingUploadsBeforeRunningAnything() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("echo should-not-run", uploads: [.file("ok", [1]), .file("../../escape", [1])])
        XCTAssertThrowsError(try fixture.runner.start(spec)) { error in
            XCTAssertEqual("\(error)", "upload ../../escape rejected: '..' would leave the workspace")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: spec.logPath))
        XCTAssertEqual(entries("\(spec.jobDirectory)/workspace"), [])
    }
}
