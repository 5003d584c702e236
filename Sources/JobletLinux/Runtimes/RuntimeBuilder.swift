import Foundation
import Glibc
import JobletCore
import Synchronization

/// Runs a runtime's `setup.sh` in the builder sandbox: a job (same namespaces, cgroup limits and
/// seccomp profile as any) whose system directories are overlays of the host's with a throwaway
/// upper layer (`JobLaunchSpec.builderRoot`), so apt, pip or curl may write anywhere in its view
/// while nothing reaches the host except `$RUNTIME_DIR`, the staging directory bound read-write.
/// It runs as uid 0 with a root container's file and identity capabilities (init.c
/// `builder_keeps`: apt and dpkg work; no mounts, no devices), on the host's network (package
/// downloads), for at most `timeout`.
struct RuntimeBuilder {
    let runner: LocalJobRunner
    let timeout: Duration
    let maxMemoryMB: Int
    var maxCPUPercent = 0
    /// jobletd's own files (data, certificates, configuration): hidden like `hiddenPaths`.
    var hidden: [String] = []

    /// Where the runtime is built inside the sandbox (upstream's path, so its scripts work).
    static func runtimeDirectory(_ name: RuntimeName) -> String { "/opt/joblet/runtimes/\(name.normalized)" }
    static let handleFile = "builder.json"

    struct Outcome {
        var exitCode: Int32
        var reason: String
        var timedOut: Bool
    }

    /// Builds into `staging/runtime`, streaming the output through `onLog` as it is written.
    func build(name: RuntimeName, spec: String, buildID: String, files: [WorkspaceUpload], staging: String,
               onLog: @escaping @Sendable ([UInt8]) async -> Void) async throws -> Outcome {
        let logPath = staging + "/build.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        let runtimeDir = Self.runtimeDirectory(name)
        var launch = JobLaunchSpec(
            jobID: "runtime-build-\(buildID)", command: "/bin/bash", arguments: ["setup.sh"],
            environment: ["PATH": LocalJobRunnerConfig.defaultPath, "HOME": "/root", "LANG": "C.UTF-8",
                          "RUNTIME_SPEC": spec, "RUNTIME_NAME": name.normalized, "RUNTIME_DIR": runtimeDir,
                          "BUILD_ID": buildID, "JOBLET_CHROOT": "true", "DEBIAN_FRONTEND": "noninteractive"],
            jobDirectory: staging + "/job", logPath: logPath,
            limits: CgroupLimits(maxCPUPercent: maxCPUPercent > 0 ? maxCPUPercent : nil,
                                 maxMemoryMB: maxMemoryMB > 0 ? maxMemoryMB : nil, maxPids: 4096),
            uploads: files, user: JobUser(uid: 0, gid: 0))
        launch.workspaceMB = 0
        launch.mounts = try Self.masks(hiding: Self.hiddenPaths + hidden, staging: staging)
            + [JobMount(source: staging + "/runtime", target: runtimeDir, readOnly: false)]
        launch.builderRoot = true
        let runner = self.runner, l = launch
        let handle: JobProcessHandle = try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async { c.resume(with: Result { try runner.start(l) }) }
        }
        // What a restarted jobletd stops if this one dies mid-build (RuntimeBuilder.sweep).
        if let data = try? JSONEncoder().encode(handle) {
            _ = FileManager.default.createFile(atPath: staging + "/" + Self.handleFile, contents: data)
        }
        let done = Mutex<JobExit?>(nil)
        let waiter = Task {
            let exit = try await runner.waitForExit(handle)
            done.withLock { $0 = exit }
            return exit
        }
        let tail = LogTail(path: logPath)
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        var polls = 0
        while done.withLock({ $0 == nil }), polls < 10_000_000 {
            polls += 1
            if let chunk = tail.next() { await onLog(chunk) }
            if ContinuousClock.now >= deadline, !timedOut {
                timedOut = true
                _ = try? await runner.stop(handle, grace: .seconds(1))
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let exit = try await waiter.value
        while let chunk = tail.next() { await onLog(chunk) }
        runner.forget(handle)
        return Outcome(exitCode: exit.exitCode, reason: exit.reason, timedOut: timedOut)
    }

    /// Host files the builder (uid 0 with DAC_OVERRIDE: it reads any file in its view)
    /// must not read through its overlays: password hashes, host keys, logs and backups.
    static let hiddenPaths = ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers",
                              "/etc/sudoers.d", "/etc/ssh", "/etc/ssl/private", "/etc/jobletd", "/etc/kubernetes",
                              "/etc/letsencrypt", "/var/log", "/var/backups", "/var/lib/jobletd", "/var/mail", "/var/spool"]
    /// The overlaid top directories (init.c's builder_dirs): only paths under them are in the view.
    static let overlaid: Set<String> = ["usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin", "etc", "var"]

    /// A mount over each of `paths` that exists on the host in the builder's view: an empty
    /// writable directory of the staging area over a directory (what the script writes there is
    /// thrown away with it), an empty read-only file over a file.
    static func masks(hiding paths: [String], staging: String) throws -> [JobMount] {
        var out: [JobMount] = []
        let emptyFile = staging + "/masks/empty"
        for (i, path) in Set(paths.map { ($0 as NSString).standardizingPath }).sorted().enumerated() {
            guard let top = path.split(separator: "/").first, overlaid.contains(String(top)),
                  JobMount.problem(withTarget: path) == nil else { continue }
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let dir = staging + "/masks/\(i)"
                try FileIO.makeDirectories(dir, mode: 0o755)
                out.append(JobMount(source: dir, target: path, readOnly: false))
            case S_IFREG:
                if !FileManager.default.fileExists(atPath: emptyFile) {
                    try FileIO.makeDirectories(staging + "/masks", mode: 0o755)
                    _ = FileManager.default.createFile(atPath: emptyFile, contents: nil)
                }
                out.append(JobMount(source: emptyFile, target: path, readOnly: true))
            default:
                continue
            }
        }
        // Nested masks (a directory inside another) come after their parents.
        return out.sorted { $0.target.count < $1.target.count }
    }

    /// Stops a builder a killed jobletd left running in `staging` (its cgroup's processes killed,
    /// the cgroup removed), before the directory is deleted.
    static func sweep(staging: String, runner: LocalJobRunner) {
        guard let data = FileManager.default.contents(atPath: staging + "/" + handleFile),
              let handle = try? JSONDecoder().decode(JobProcessHandle.self, from: data) else { return }
        try? runner.cgroups.killAll(in: handle.cgroup, timeout: .seconds(5))
        try? runner.cgroups.remove(handle.cgroup)
    }
}

/// Reads what was appended to a file since the last call, 64 KiB at a time.
final class LogTail {
    let path: String
    var offset: off_t = 0

    init(path: String) { self.path = path }

    func next() -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
        guard n > 0 else { return nil }
        offset += off_t(n)
        return Array(buffer[0..<n])
    }
}
