import Foundation
import XCTest
@testable import JobletLinux

/// A job's first process: namespaces, root filesystem, user, environment, log, exit codes.
final class JobIsolationTests: XCTestCase {
    func testEchoExitsZeroAndWritesToItsLog() async throws {
        let fixture = try JobFixture()
        let (exit, log) = try await fixture.run(fixture.spec("echo hi"))
        XCTAssertEqual(exit.exitCode, 0)
        XCTAssertNil(exit.signal)
        XCTAssertEqual(exit.reason, "")
        XCTAssertEqual(log, "hi\n")
    }

    func testStderrGoesToTheSameLogAndNonZeroExitIsNamed() async throws {
        let fixture = try JobFixture()
        let (exit, log) = try await fixture.run(fixture.spec("echo out; echo err >&2; exit 3"))
        XCTAssertEqual(exit.exitCode, 3)
        XCTAssertEqual(exit.reason, "exited with code 3")
        XCTAssertEqual(log, "out\nerr\n")
    }

    func testHostnameIsTheShortJobID() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("cat /proc/sys/kernel/hostname")
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0)
        XCTAssertEqual(log, spec.shortID + "\n")
        XCTAssertEqual(spec.shortID.count, 8)
    }

    func testOwnPIDNamespaceShowsOnlyTheJob() async throws {
        let fixture = try JobFixture()
        let (exit, log) = try await fixture.run(fixture.spec("echo $$; ls /proc | grep -c '^[0-9]'; cat /proc/1/comm"))
        XCTAssertEqual(exit.exitCode, 0)
        let lines = log.split(separator: "\n")
        XCTAssertEqual(lines.first, "2", "the command is pid 2 under the tiny init")
        XCTAssertLessThanOrEqual(Int(lines[1]) ?? 99, 5, "init, sh, ls, grep: \(log)")
        XCTAssertEqual(lines.last, "joblet-init")
    }

    func testRunsAsNobodyWithACleanEnvironmentInWork() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("id -u; id -g; id -G; pwd; env | sort")
        spec.environment = ["GREETING": "hello"]
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0)
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(4)), ["65534", "65534", "65534", "/work"])
        let env = lines.dropFirst(4).filter { !$0.hasPrefix("PWD=") && !$0.hasPrefix("SHLVL=") && !$0.hasPrefix("_=") && !$0.hasPrefix("OLDPWD=") }
        XCTAssertEqual(env, ["GREETING=hello", "PATH=\(LocalJobRunnerConfig.defaultPath)"])
    }

    func testRootFilesystemHidesTheHost() async throws {
        let fixture = try JobFixture()
        let secret = "\(fixture.base)/secret"
        try FileManager.default.createDirectory(atPath: secret, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(secret)/marker", contents: Data("x".utf8))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(secret)/marker"))
        let script = """
        test -e \(secret)/marker && echo marker-visible || echo marker-hidden
        ls / | tr '\\n' ' '; echo
        touch /usr/x 2>/dev/null && echo usr-writable || echo usr-readonly
        touch /etc/x 2>/dev/null && echo etc-writable || echo etc-readonly
        touch /x 2>/dev/null && echo root-writable || echo root-readonly
        echo w > /work/f && echo work-writable
        echo t > /tmp/f && echo tmp-writable
        ls /dev | tr '\\n' ' '; echo
        head -c 4 /dev/zero | wc -c
        """
        let (exit, log) = try await fixture.run(fixture.spec(script))
        XCTAssertEqual(exit.exitCode, 0, log)
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "marker-hidden")
        XCTAssertEqual(Set(lines[1].split(separator: " ").map(String.init)),
                       Set(["bin", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr", "work"]).filter { name in
                           FileManager.default.fileExists(atPath: "/" + name) || ["dev", "proc", "tmp", "work"].contains(name)
                       })
        XCTAssertEqual(Array(lines[2...6]), ["usr-readonly", "etc-readonly", "root-readonly", "work-writable", "tmp-writable"])
        XCTAssertEqual(Set(lines[7].split(separator: " ").map(String.init)),
                       ["fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"])
        XCTAssertEqual(lines[8], "4")
    }

    func testMissingCommandExits127CommandNotFound() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("")
        spec.command = "no-such-cmd"
        spec.arguments = []
        let (exit, _) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 127)
        XCTAssertEqual(exit.reason, "no-such-cmd: command not found")
    }

    func testNonExecutableFileExits126WithStrerror() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("", uploads: [.file("data.txt", Array("x".utf8), mode: 0o644)])
        spec.command = "./data.txt"
        spec.arguments = []
        let (exit, _) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 126)
        XCTAssertEqual(exit.reason, "./data.txt: Permission denied")
    }

    func testUploadedScriptRunsInItsWorkDirectory() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("", uploads: [.directory("app"), .file("app/run.sh", Array("#!/bin/sh\necho ran in $(pwd)\n".utf8), mode: 0o755)])
        spec.command = "./run.sh"
        spec.arguments = []
        spec.workDirectory = "app"
        let (exit, log) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 0)
        XCTAssertEqual(log, "ran in /work/app\n")
    }

    func testMissingWorkDirectoryIsNamed() async throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("true")
        spec.workDirectory = "nope"
        let (exit, _) = try await fixture.run(spec)
        XCTAssertEqual(exit.exitCode, 127)
        XCTAssertEqual(exit.reason, "cannot enter the working directory: No such file or directory")
    }

    func testSignalDeathIsNamed() async throws {
        let fixture = try JobFixture()
        let (exit, _) = try await fixture.run(fixture.spec("kill -SEGV $$"))
        XCTAssertEqual(exit.exitCode, 128 + 11)
        XCTAssertEqual(exit.signal, 11)
        XCTAssertEqual(exit.reason, "killed by signal 11 (SIGSEGV)")
    }

    func testInvalidSpecsAreRefusedBeforeAnythingRuns() throws {
        let fixture = try JobFixture()
        var spec = fixture.spec("true", id: "../evil")
        XCTAssertThrowsError(try fixture.runner.start(spec))
        spec = fixture.spec("true")
        spec.command = ""
        XCTAssertThrowsError(try fixture.runner.start(spec)) { XCTAssertEqual("\($0)", "invalid job: the command is empty") }
    }

    func testTheInitIsTheSmallJobletInitProgramNotACopyOfTheServer() async throws {
        let fixture = try JobFixture()
        let spec = fixture.spec("echo up; sleep 30")
        let handle = try fixture.runner.start(spec)
        try await fixture.waitForLog(spec, containing: "up")
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(handle.pid)/exe")
        XCTAssertTrue(exe.hasSuffix("/joblet-init"), "the job's pid 1 runs \(exe)")
        let status = try String(contentsOfFile: "/proc/\(handle.pid)/status", encoding: .utf8)
        let rssKB = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? -1
        XCTAssertGreaterThan(rssKB, 0)
        XCTAssertLessThan(rssKB, 4096, "the init holds \(rssKB) KiB: it must not carry the server's memory")
        let exit = try await fixture.runner.stop(handle)
        XCTAssertTrue(exit.stopped)
    }

    func testAMissingInitProgramIsAClearError() throws {
        try XCTSkipUnless(getuid() == 0, "the runner needs root for cgroups")
        let config = LocalJobRunnerConfig(initPath: "/nonexistent/joblet-init")
        XCTAssertThrowsError(try LocalJobRunner(config: config, log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("the job init program 'joblet-init' was not found (tried /nonexistent/joblet-init)"), "\(error)")
        }
        let runner = LocalJobRunner(cgroups: CgroupV2Controller(root: "/nonexistent"), config: config, log: { _ in })
        let fixture = try JobFixture()
        XCTAssertThrowsError(try runner.start(fixture.spec("true"))) { error in
            XCTAssertTrue("\(error)".contains("JOBLET_INIT_PATH"), "\(error)")
        }
    }
}
