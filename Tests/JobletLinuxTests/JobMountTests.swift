import Foundation
import XCTest
@testable import JobletLinux

/// Extra bind mounts (volumes, runtime trees): where they land, read-only by default, nosuid, and
/// targets that would leave the job's root or shadow jobletd's own mounts are refused.
final class JobMountTests: XCTestCase {
    private func hostDirectory(_ fixture: JobFixture, _ name: String) throws -> String {
        let dir = "\(fixture.base)/\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o777)
        return dir
    }

    func testReadOnlyMountIsVisibleAndCannotBeWritten() async throws {
        let fixture = try JobFixture()
        let dir = try hostDirectory(fixture, "tree")
        try "from the host\n".write(toFile: "\(dir)/hello.txt", atomically: true, encoding: .utf8)
        var spec = fixture.spec("cat /opt/tree/hello.txt; touch /opt/tree/new 2>&1 | sed 's/.*: //'; grep ' /opt/tree ' /proc/self/mounts | cut -d' ' -f4")
        spec.mounts = [JobMount(source: dir, target: "/opt/tree")]
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "from the host")
        XCTAssertEqual(lines.dropFirst().first, "Read-only file system")
        let options = Set((lines.last ?? "").split(separator: ",").map(String.init))
        XCTAssertTrue(options.isSuperset(of: ["ro", "nosuid", "nodev"]), "\(options)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/new"))
    }

    func testReadWriteMountKeepsWhatTheJobWrote() async throws {
        let fixture = try JobFixture()
        let dir = try hostDirectory(fixture, "volume")
        var spec = fixture.spec("echo kept > /volumes/data/out.txt && echo written")
        spec.mounts = [JobMount(source: dir, target: "/volumes/data", readOnly: false)]
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/out.txt", encoding: .utf8), "kept\n")
    }

    func testAFileCanBeMountedAndNestedTargetsFollowInOrder() async throws {
        let fixture = try JobFixture()
        let outer = try hostDirectory(fixture, "outer")
        let inner = try hostDirectory(fixture, "inner")
        try "inner\n".write(toFile: "\(inner)/which", atomically: true, encoding: .utf8)
        try "single file\n".write(toFile: "\(fixture.base)/one.conf", atomically: true, encoding: .utf8)
        var spec = fixture.spec("cat /srv/a/b/which /etc-extra/one.conf")
        spec.mounts = [JobMount(source: outer, target: "/srv/a", readOnly: false),
                       JobMount(source: inner, target: "/srv/a/b"),
                       JobMount(source: "\(fixture.base)/one.conf", target: "/etc-extra/one.conf")]
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        XCTAssertEqual(log, "inner\nsingle file\n")
    }

    func testTargetsThroughASymlinkAreRefusedAtSetup() async throws {
        // The outer mount holds a symlink pointing at the host's /etc: a later mount whose target
        // passes through it must fail, not land on the host.
        let fixture = try JobFixture()
        let outer = try hostDirectory(fixture, "outer")
        let inner = try hostDirectory(fixture, "inner")
        XCTAssertEqual(symlink("/etc", "\(outer)/escape"), 0)
        var spec = fixture.spec("true")
        spec.mounts = [JobMount(source: outer, target: "/srv"), JobMount(source: inner, target: "/srv/escape/joblet-x")]
        XCTAssertThrowsError(try fixture.runner.start(spec)) { error in
            XCTAssertTrue("\(error)".contains("/srv/escape/joblet-x"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/joblet-x"))
    }

    func testBadTargetsAreRefusedBeforeAnythingRuns() throws {
        let fixture = try JobFixture()
        let dir = try hostDirectory(fixture, "tree")
        for target in ["relative", "/a/../b", "/", "/proc", "/dev/sda", "/work", "/tmp", "/a//b", "/a/"] {
            var spec = fixture.spec("true")
            spec.mounts = [JobMount(source: dir, target: target)]
            XCTAssertThrowsError(try fixture.runner.start(spec), target) { XCTAssertTrue("\($0)".hasPrefix("invalid job: mount target"), "\($0)") }
        }
        var spec = fixture.spec("true")
        spec.mounts = [JobMount(source: "\(fixture.base)/missing", target: "/data")]
        XCTAssertThrowsError(try fixture.runner.start(spec)) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
    }
}
