import Foundation
import XCTest
@testable import JobletLinux

/// The runtime builder's root (CJobletLinux_SpawnBuilderRoot): the system directories are
/// overlays with a throwaway upper layer, so a setup script writes anywhere in its view and the
/// host gets nothing, except through a writable mount.
final class BuilderRootTests: XCTestCase {
    func testWritesToSystemDirectoriesStayInTheSandboxAndRwMountsKeepTheirs() async throws {
        let fixture = try JobFixture()
        let tag = UUID().uuidString.prefix(8)
        let out = "\(fixture.base)/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let probes = ["/usr/bin/builder-\(tag)", "/etc/builder-\(tag)", "/var/builder-\(tag)", "/opt/builder-\(tag)"]
        var spec = fixture.spec("""
            for f in \(probes.joined(separator: " ")) /top-\(tag); do echo x > $f && cat $f > /dev/null && echo "ok $f"; done
            test -e /.builder-upper && echo "upper visible"
            echo built > /build/out.txt
            """)
        spec.user = JobUser(uid: 0, gid: 0)
        spec.builderRoot = true
        spec.mounts = [JobMount(source: out, target: "/build", readOnly: false)]
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        for p in probes + ["/top-\(tag)"] {
            XCTAssertTrue(log.contains("ok \(p)\n"), log)
            XCTAssertFalse(FileManager.default.fileExists(atPath: p), "\(p) reached the host")
        }
        XCTAssertFalse(log.contains("upper visible"), log)
        XCTAssertEqual(try String(contentsOfFile: "\(out)/out.txt", encoding: .utf8), "built\n")
    }

    func testAnOrdinaryJobStillHasAReadOnlyRoot() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("touch /usr/bin/nope 2>/dev/null && echo wrote || echo refused; touch /nope 2>/dev/null && echo wrote || echo refused")
        spec.user = JobUser(uid: 0, gid: 0)
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0, log)
        XCTAssertEqual(log, "refused\nrefused\n")
    }
}
