import Foundation
import Glibc
import XCTest
@testable import JobletLinux

/// Pause/resume's freezer (training, issue 19). v2 against a fake cgroupfs (this host's cgroup2
/// mount has no controllers); v1's real freezer is exercised by tests/python/test_training.py.
final class CgroupFreezerTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/joblet-fake-freezer-XXXXXX".utf8CString)
        root = String(cString: mkdtemp(&template)!)
        try FileManager.default.createDirectory(atPath: "\(root)/joblet/job-1", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    private func put(_ path: String, _ text: String) throws {
        try text.write(toFile: "\(root)/\(path)", atomically: false, encoding: .utf8)
    }

    private let cgroup = JobCgroup(relativePath: "joblet/job-1")

    func testV2FreezeWritesCgroupFreezeAndWaitsForEvents() throws {
        let controller = CgroupV2Controller(root: root)
        try put("joblet/job-1/cgroup.events", "populated 1\nfrozen 1\n")
        try controller.setFrozen(true, cgroup, timeout: .milliseconds(200))
        XCTAssertEqual(FileIO.readTrimmed("\(root)/joblet/job-1/cgroup.freeze"), "1")
        XCTAssertEqual(controller.isFrozen(cgroup), true)
    }

    func testV2WaitIsBoundedAndNamesTheFile() throws {
        let controller = CgroupV2Controller(root: root)
        try put("joblet/job-1/cgroup.events", "populated 1\nfrozen 1\n")  // the kernel never says thawed
        XCTAssertThrowsError(try controller.setFrozen(false, cgroup, timeout: .milliseconds(50))) { error in
            XCTAssertTrue("\(error)".contains("cgroup.events does not say frozen 0"), "\(error)")
        }
        XCTAssertEqual(FileIO.readTrimmed("\(root)/joblet/job-1/cgroup.freeze"), "0")
    }

    func testV2WithoutEventsFileTakesTheWriteAtItsWord() throws {
        let controller = CgroupV2Controller(root: root)
        try controller.setFrozen(true, cgroup, timeout: .milliseconds(50))
        XCTAssertEqual(controller.isFrozen(cgroup), true)
        try controller.setFrozen(false, cgroup, timeout: .milliseconds(50))
        XCTAssertEqual(controller.isFrozen(cgroup), false)
    }

    func testV2GoneCgroupSaysTheJobEnded() {
        let controller = CgroupV2Controller(root: root)
        XCTAssertThrowsError(try controller.setFrozen(true, JobCgroup(relativePath: "joblet/gone"), timeout: .milliseconds(50))) {
            XCTAssertTrue("\($0)".contains("is gone"), "\($0)")
        }
    }

    func testV1WithoutFreezerHierarchySaysSo() {
        let controller = CgroupV1Controller(hierarchies: ["memory": root])
        XCTAssertThrowsError(try controller.setFrozen(true, cgroup, timeout: .milliseconds(50))) {
            XCTAssertTrue("\($0)".contains("freezer controller, which is not mounted"), "\($0)")
        }
        XCTAssertNil(controller.isFrozen(cgroup))
    }

    func testV1WritesFreezerState() throws {
        try put("joblet/job-1/freezer.state", "THAWED")
        let controller = CgroupV1Controller(hierarchies: ["freezer": root])
        try controller.setFrozen(true, cgroup, timeout: .milliseconds(50))
        XCTAssertEqual(FileIO.readTrimmed("\(root)/joblet/job-1/freezer.state"), "FROZEN")
        XCTAssertEqual(controller.isFrozen(cgroup), true)
    }
}
