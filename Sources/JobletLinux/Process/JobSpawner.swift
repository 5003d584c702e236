import CJobletLinux
import Glibc

/// Calls into CJobletLinux_spawn with C strings that live for the call, and turns its result
/// into a pidfd or an error that says which step failed.
enum JobSpawner {
    struct Request {
        var argv: [String]
        var environment: [String]
        var hostname: String
        var rootfs: String
        var workspace: String
        var workDirectory: String
        var placement: CgroupPlacement
        var logFD: Int32
        var statusFD: Int32
        var user: JobUser
        var initFD: Int32
        var seccomp: SeccompProfile = .default
        var maxLogBytes: UInt64 = 0
        var seccompFilter: [UInt8]? = nil
        var mounts: [JobMount] = []
        /// A runtime's builder: overlay system directories, a writable root (CJobletLinux_SpawnBuilderRoot).
        var builderRoot = false
    }

    struct Spawned {
        let pid: Int32
        let pidfd: PidFD
    }

    /// `prepared`: a warm init (InitPool) to hand the spec to; it is consumed either way.
    static func spawn(_ request: Request, prepared: CJobletLinux_Prepared? = nil) throws -> Spawned {
        var cgroupFD: Int32 = -1
        var procsFiles: [String] = []
        switch request.placement {
        case .procsFiles(let files): procsFiles = files
        case .directory(let dir): cgroupFD = try systemCall("open", path: dir) { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        }
        defer { if cgroupFD >= 0 { close(cgroupFD) } }

        var result = CJobletLinux_SpawnResult()
        let filter = request.seccompFilter ?? []
        let rc = filter.withUnsafeBytes { filterBytes in withCStrings(request.argv) { argv in
            withCStrings(request.environment) { envp in
                withCStrings(procsFiles) { procs in withCStrings(request.mounts.flatMap { [$0.source, $0.target, $0.readOnly ? "ro" : "rw"] }) { mounts in
                    request.hostname.withCString { hostname in
                        request.rootfs.withCString { rootfs in
                            request.workspace.withCString { workspace in
                                request.workDirectory.withCString { workDir in
                                    var spec = CJobletLinux_SpawnSpec(
                                        argv: argv, envp: envp, init_fd: request.initFD, hostname: hostname, rootfs_dir: rootfs,
                                        workspace_dir: workspace, work_dir: workDir, cgroup_procs: procs,
                                        cgroup_fd: cgroupFD, log_fd: request.logFD, status_fd: request.statusFD,
                                        uid: request.user.uid, gid: request.user.gid,
                                        flags: (request.seccomp == .default ? UInt32(CJobletLinux_SpawnSeccomp) : 0)
                                            | (request.builderRoot ? UInt32(CJobletLinux_SpawnBuilderRoot) : 0),
                                        max_log_bytes: request.maxLogBytes,
                                        seccomp_filter: filter.isEmpty ? nil : filterBytes.baseAddress,
                                        seccomp_filter_bytes: UInt32(filter.count),
                                        mounts: mounts)
                                    if var warm = prepared { return CJobletLinux_spawn_start(&warm, &spec, &result) }
                                    return CJobletLinux_spawn(&spec, &result)
                                }
                            }
                        }
                    }
                }
            } }
        } }
        let what = withUnsafeBytes(of: result.what) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard rc == 0 else {
            let why = LinuxError.message(for: result.error)
            switch Int(result.stage) {
            case Int(CJobletLinux_StageCgroup): throw LocalJobError.cgroup("could not move the job into \(what): \(why)")
            case Int(CJobletLinux_StageClone): throw LocalJobError.spawnFailed("clone with new PID, mount, IPC and UTS namespaces: \(why) (jobletd must run as root)")
            case Int(CJobletLinux_StageLost): throw LocalJobError.initLost("\(what): \(why)")
            case Int(CJobletLinux_StageInit): throw LocalJobError.spawnFailed("starting the job's init (joblet-init) failed at \(what) (spawn.c/init.c:\(result.detail)): \(why)")
            default: throw LocalJobError.spawnFailed("setting up the job's namespaces and root filesystem failed at \(what) (spawn.c:\(result.detail)): \(why)")
            }
        }
        return Spawned(pid: result.pid, pidfd: PidFD(result.pidfd))
    }

    /// A NULL-terminated array of C strings, valid inside `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let owned = strings.map { strdup($0) }
        defer { owned.forEach { free($0) } }
        let pointers = owned.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
