import Foundation
import JobletCore
@testable import SkyPilotAdapter
import XCTest
import Yams

final class TaskBuilderTests: XCTestCase {
    let builder = SkyPilotTaskBuilder()

    func testQuoting() {
        XCTAssertEqual(ShellQuoting.quote("train.py"), "train.py")
        XCTAssertEqual(ShellQuoting.quote("--lr=0.1"), "--lr=0.1")
        XCTAssertEqual(ShellQuoting.quote(""), "''")
        XCTAssertEqual(ShellQuoting.quote("a b"), "'a b'")
        XCTAssertEqual(ShellQuoting.quote("it's"), "'it'\\''s'")
        XCTAssertEqual(ShellQuoting.quote("$HOME"), "'$HOME'")
        XCTAssertEqual(ShellQuoting.quote("a;rm -rf /"), "'a;rm -rf /'")
        XCTAssertEqual(ShellQuoting.commandLine("echo", ["x y", "*"]), "echo 'x y' '*'")
    }

    /// The quoted command line, run by a real /bin/sh, gives back the exact argv.
    func testQuotingRoundTripsThroughSh() throws {
        let args = ["plain", "two words", "it's", "\"dq\"", "$HOME", "`id`", "back\\slash", "new\nline", "", "*", "ü ✓", "'"]
        let line = ShellQuoting.commandLine("printf", ["%s\\0"] + args)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", line]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let back = data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(back, args)
    }

    func testAcceleratorsFromCountAndMemory() throws {
        XCTAssertEqual(try builder.accelerators(gpuCount: 1, gpuMemoryMB: 0), "H100:1")
        XCTAssertEqual(try builder.accelerators(gpuCount: 2, gpuMemoryMB: 16_000), "T4:2")
        XCTAssertEqual(try builder.accelerators(gpuCount: 1, gpuMemoryMB: 16_384), "T4:1")
        XCTAssertEqual(try builder.accelerators(gpuCount: 1, gpuMemoryMB: 16_385), "L4:1")
        XCTAssertEqual(try builder.accelerators(gpuCount: 1, gpuMemoryMB: 24_576), "L4:1")
        XCTAssertEqual(try builder.accelerators(gpuCount: 4, gpuMemoryMB: 40_000), "A100:4")
        XCTAssertEqual(try builder.accelerators(gpuCount: 8, gpuMemoryMB: 80_000), "A100-80GB:8")
        XCTAssertEqual(try builder.accelerators(gpuCount: 1, gpuMemoryMB: 100_000), "H200:1")
        XCTAssertThrowsError(try builder.accelerators(gpuCount: 1, gpuMemoryMB: 200_000)) { error in
            XCTAssertEqual((error as? JobletError)?.code, .invalidArgument)
            XCTAssertTrue("\(error)".contains("H200 with 141 GB"))
        }
        XCTAssertThrowsError(try builder.accelerators(gpuCount: 0, gpuMemoryMB: 0))
        XCTAssertEqual(try SkyPilotTaskBuilder(defaultAccelerator: "L4").accelerators(gpuCount: 3, gpuMemoryMB: 0), "L4:3")
    }

    func testTaskYAML() throws {
        let request = JobRequest(
            command: "python3", args: ["train.py", "--msg", "it's done", "--n", "3"],
            limits: ResourceLimits(maxCPU: 250, maxMemoryMB: 3000),
            environment: ["EPOCHS": "10", "FLAG": "true", "EMPTY": "", "QUOTE": "a\"b: c"],
            secretEnvironment: ["WANDB_API_KEY": "wandb-secret-1234"],
            gpuCount: 2, gpuMemoryMB: 24_000, infra: "gcp/us-central1")
        let task = try builder.task(for: request, name: "f47ac10b-58cc-4372-a567-0e02b2c3d479", workdir: "/tmp/w d")
        let yaml = try XCTUnwrap(try Yams.load(yaml: task.yaml) as? [String: Any])
        XCTAssertEqual(yaml["name"] as? String, "f47ac10b-58cc-4372-a567-0e02b2c3d479")
        let resources = try XCTUnwrap(yaml["resources"] as? [String: Any])
        XCTAssertEqual(resources["accelerators"] as? String, "L4:2")
        XCTAssertEqual(resources["cpus"] as? String, "3+")
        XCTAssertEqual(resources["memory"] as? String, "3+")
        XCTAssertEqual(resources["infra"] as? String, "gcp/us-central1")
        let envs = try XCTUnwrap(yaml["envs"] as? [String: Any])
        XCTAssertEqual(envs["EPOCHS"] as? String, "10", "numbers stay strings")
        XCTAssertEqual(envs["FLAG"] as? String, "true")
        XCTAssertEqual(envs["EMPTY"] as? String, "")
        XCTAssertEqual(envs["QUOTE"] as? String, "a\"b: c")
        XCTAssertEqual((yaml["secrets"] as? [String: Any])?["WANDB_API_KEY"] as? String, "wandb-secret-1234")
        XCTAssertEqual(yaml["workdir"] as? String, "/tmp/w d")
        XCTAssertEqual(yaml["run"] as? String, "python3 train.py --msg 'it'\\''s done' --n 3\n")
        XCTAssertEqual(task.accelerators, "L4:2")
        XCTAssertFalse(task.maskedYAML.contains("wandb-secret-1234"))
        XCTAssertTrue(task.maskedYAML.contains("WANDB_API_KEY: \"***\""))
    }

    func testMemoryInGigabytes() {
        XCTAssertEqual(SkyPilotTaskBuilder.gigabytes(512), "0.5")
        XCTAssertEqual(SkyPilotTaskBuilder.gigabytes(1024), "1")
        XCTAssertEqual(SkyPilotTaskBuilder.gigabytes(1500), "1.5")
        XCTAssertEqual(SkyPilotTaskBuilder.gigabytes(16 * 1024), "16")
    }

    func testRelativeWorkDirIsEnteredFirst() throws {
        let request = JobRequest(command: "./run.sh", uploads: [FileUpload(path: "src/run.sh", content: Array("echo hi\n".utf8), mode: 0o755)],
                                 workDir: "src", gpuCount: 1)
        XCTAssertEqual(builder.runScript(for: request), "cd src && ./run.sh\n")
        let root = try XCTUnwrap(FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID())"))
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let dir = try UploadStaging.stage(request.uploads, jobID: "j1", under: root)
        let script = dir.appendingPathComponent("src/run.sh")
        XCTAssertEqual(try String(contentsOf: script, encoding: .utf8), "echo hi\n")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: script.path))
    }
}
