import Foundation
import JobletAPI
import XCTest
@testable import JobletClient

final class RunOptionsTests: XCTestCase {
    /// `rnx run --env A=1 --secret-env S=x -- python3 -c 'print(1)'`, as argument-parser hands it over.
    func testEnvSecretsAndCommandAfterTerminator() throws {
        var o = RunOptions()
        o.environment = ["A=1"]
        o.secretEnvironment = ["S=x"]
        o.command = ["--", "python3", "-c", "print(1)"]
        let r = try o.makeRequest()
        XCTAssertEqual(r.command, "python3")
        XCTAssertEqual(r.args, ["-c", "print(1)"])
        XCTAssertEqual(r.environment, ["A": "1"])
        XCTAssertEqual(r.secretEnvironment, ["S": "x"])
        XCTAssertEqual(r.maxCpu, 0)
        XCTAssertEqual(r.schedule, "")
        XCTAssertTrue(r.uploads.isEmpty)
    }

    func testEveryFlagLandsInItsField() throws {
        var o = RunOptions()
        o.name = "train"; o.maxCPU = 50; o.maxMemory = 512; o.maxIOBPS = 1_000_000; o.cpuCores = "0-1"
        o.workDir = "src"; o.gpus = 2; o.gpuMemoryMB = 8192; o.infra = "k8s"; o.schedule = "+10s"
        o.environment = ["A=1", "B=x=y", "EMPTY=", "A=2"]
        o.command = ["bash", "-c", "echo hi", "--", "tail"]
        let r = try o.makeRequest(now: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(r.name, "train")
        XCTAssertEqual(r.maxCpu, 50)
        XCTAssertEqual(r.maxMemory, 512)
        XCTAssertEqual(r.maxIobps, 1_000_000)
        XCTAssertEqual(r.cpuCores, "0-1")
        XCTAssertEqual(r.workDir, "src")
        XCTAssertEqual(r.gpuCount, 2)
        XCTAssertEqual(r.gpuMemoryMb, 8192)
        XCTAssertEqual(r.infra, "k8s")
        XCTAssertEqual(r.schedule, "1970-01-01T00:00:10Z")
        XCTAssertEqual(r.environment, ["A": "2", "B": "x=y", "EMPTY": ""])
        XCTAssertEqual(r.command, "bash")
        XCTAssertEqual(r.args, ["-c", "echo hi", "--", "tail"], "a -- after the command belongs to the job")

        // The request round-trips through the wire format with infra in field 100.
        let decoded = try Joblet_RunJobRequest(serializedBytes: r.serializedBytes())
        XCTAssertEqual(decoded, r)
        XCTAssertTrue(r.serializedBytes().starts(with: [10, 5]) , "field 1 (name) first")
    }

    func testBadInputIsRefusedWithOneLine() {
        func refuse(_ edit: (inout RunOptions) -> Void, _ expected: String) {
            var o = RunOptions()
            o.command = ["true"]
            edit(&o)
            XCTAssertThrowsError(try o.makeRequest()) { XCTAssertEqual("\($0)", expected) }
        }
        refuse({ $0.command = [] }, "no command to run: rnx run [options] <command> [args...]")
        refuse({ $0.command = ["--"] }, "no command to run: rnx run [options] <command> [args...]")
        refuse({ $0.environment = ["NOEQUALS"] }, "bad --env 'NOEQUALS': expected KEY=VALUE")
        refuse({ $0.secretEnvironment = ["=hunter2"] }, "bad --secret-env '=…': expected KEY=VALUE")
        refuse({ $0.maxMemory = -1 }, "bad --max-memory -1: must be 0 or more")
        refuse({ $0.uploads = ["/definitely/not/here"] }, "cannot upload /definitely/not/here: No such file or directory")
    }

    func testUploadsKeepTreeAndModes() throws {
        let dir = try makeTemporaryDirectory(self)
        try write("print(1)\n", to: dir + "/script.py")
        try write("a", to: dir + "/data/a.txt")
        try write("#!/bin/sh\n", to: dir + "/data/sub/run.sh")
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/data/sub/run.sh")
        try fm.setAttributes([.posixPermissions: 0o640], ofItemAtPath: dir + "/script.py")
        try fm.setAttributes([.posixPermissions: 0o750], ofItemAtPath: dir + "/data/sub")

        var o = RunOptions()
        o.command = ["python3", "script.py"]
        o.uploads = [dir + "/script.py", dir + "/data/"]
        let uploads = try o.makeRequest().uploads
        XCTAssertEqual(uploads.map(\.path), ["script.py", "data", "data/a.txt", "data/sub", "data/sub/run.sh"])
        XCTAssertEqual(uploads.map(\.isDirectory), [false, true, false, true, false])
        XCTAssertEqual(uploads[0].mode, 0o640)
        XCTAssertEqual(uploads[3].mode, 0o750)
        XCTAssertEqual(uploads[4].mode, 0o755)
        XCTAssertEqual(uploads[0].content, Array("print(1)\n".utf8))
        XCTAssertEqual(uploads[1].content, [])

        o.uploads = [dir + "/script.py", dir + "/data/../script.py"]
        XCTAssertThrowsError(try o.makeRequest()) { XCTAssertEqual("\($0)", "two uploads would both land at /work/script.py") }
    }

    func testSymlinkLoopIsRefused() throws {
        let dir = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/d/loop", withDestinationPath: dir + "/d")
        XCTAssertThrowsError(try Uploads.collect([dir + "/d"])) { XCTAssertTrue("\($0)".contains("loops back"), "\($0)") }
    }
}
