import CJobletLinux
import Foundation
import Glibc

/// The `joblet-init` program every local job starts as (its pid 1), held open as an O_PATH
/// descriptor so that spawns exec it by descriptor, whatever happens to the path later.
/// Looked up in order: the configured path, `$JOBLET_INIT_PATH`, next to the running executable
/// (`/proc/self/exe`, which also covers the test runner in `.build/<config>/`).
final class JobInitExecutable: Sendable {
    static let environmentVariable = "JOBLET_INIT_PATH"
    static let fileName = "joblet-init"

    let path: String
    let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// The default seccomp profile compiled to BPF by `joblet-init --seccomp-bpf` (libseccomp lives
    /// there, not in jobletd): asked once, handed to every job's init, which then only attaches it.
    func compiledSeccompProfile() -> Result<[UInt8], LocalJobError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--seccomp-bpf"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return .failure(.spawnFailed("running \(path) --seccomp-bpf: \(error)")) }
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, !bytes.isEmpty, bytes.count % 8 == 0 else {
            return .failure(.spawnFailed("\(path) --seccomp-bpf exited \(process.terminationStatus) with \(bytes.count) bytes: \(message)"))
        }
        return .success([UInt8](bytes))
    }

    static func candidates(configured: String?) -> [String] {
        var paths: [String] = []
        if let configured, !configured.isEmpty { return [configured] }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty { return [env] }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            paths.append((exe as NSString).deletingLastPathComponent + "/" + fileName)
        }
        let argv0 = CommandLine.arguments.first ?? ""
        if argv0.contains("/") {
            let beside = (argv0 as NSString).deletingLastPathComponent + "/" + fileName
            if !paths.contains(beside) { paths.append(beside) }
        }
        return paths
    }

    static func open(configured: String?) -> Result<JobInitExecutable, LocalJobError> {
        let paths = candidates(configured: configured)
        for path in paths {
            guard access(path, X_OK) == 0 else { continue }
            let fd = CJobletLinux_open_path(path)
            if fd >= 0 { return .success(JobInitExecutable(path: path, fd: fd)) }
        }
        let tried = paths.isEmpty ? "nowhere to look" : "tried \(paths.joined(separator: ", "))"
        return .failure(.spawnFailed("the job init program '\(fileName)' was not found (\(tried)); it is built with jobletd "
                                     + "(swift build --product \(fileName)) and belongs next to the jobletd executable, "
                                     + "or set \(environmentVariable)"))
    }
}
