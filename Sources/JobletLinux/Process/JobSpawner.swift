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
        /// Networks (issue 15): anything but `.host` is a namespace of its own.
        var network: JobNetworkSetup = .host
        var jobID = ""
        /// A runtime's builder: overlay system directories, a writable root (CJobletLinux_SpawnBuilderRoot).
        var builderRoot = false
        /// With `.bridge`: a recycled namespace the init joins (its veth already renamed and on the
        /// bridge: RecycledNamespaces) instead of one of its own; the caller keeps the descriptor.
        var joinNetwork: Int32? = nil
        /// With `.bridge`: return the job's network namespace as a descriptor (`Spawned.netns`).
        var keepNetwork = false
    }

    struct Spawned {
        let pid: Int32
        let pidfd: PidFD
        /// The job's network namespace (`keepNetwork` and a namespace made for it), or -1.
        var netns: Int32 = -1
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
        var vethError: (any Error)?
        var netns: Int32 = -1
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
                                        mounts: mounts, net_address: 0, net_gateway: 0, net_prefix: 0, net_fd: -1)
                                    if request.network.newNamespace { spec.flags |= UInt32(CJobletLinux_SpawnNewNetwork) }
                                    if let join = request.joinNetwork {
                                        spec.flags |= UInt32(CJobletLinux_SpawnJoinNetwork)
                                        spec.net_fd = join
                                    }
                                    if case .bridge(_, let address, let prefix, let gateway, _) = request.network {
                                        spec.net_address = address.bigEndian
                                        spec.net_gateway = gateway.bigEndian
                                        spec.net_prefix = UInt32(prefix)
                                    }
                                    var warm = CJobletLinux_Prepared()
                                    if let prepared { warm = prepared } else if CJobletLinux_spawn_prepare(&spec, &warm, &result) != 0 { return Int32(-1) }
                                    // The job's eth0 is made in the init's namespace before the init reads its spec.
                                    if case .bridge(let bridge, _, _, _, let isolated) = request.network, request.joinNetwork == nil {
                                        do {
                                            try JobVeth.add(jobID: request.jobID, bridge: bridge, isolated: isolated, initPID: warm.pid)
                                        } catch {
                                            // A warm init killed from outside (its namespace is gone with it):
                                            // nothing ran, and the launch retries with a fresh init.
                                            let lost = prepared != nil && CJobletLinux_pidfd_wait(warm.pidfd, 200) == 1
                                            CJobletLinux_prepared_discard(&warm)
                                            vethError = lost ? LocalJobError.initLost("the warm init died before its veth pair was made: \(error)") : error
                                            return Int32(-1)
                                        }
                                    }
                                    if request.keepNetwork, request.joinNetwork == nil, case .bridge = request.network {
                                        netns = open("/proc/\(warm.pid)/ns/net", O_RDONLY | O_CLOEXEC)
                                    }
                                    return CJobletLinux_spawn_start(&warm, &spec, &result)
                                }
                            }
                        }
                    }
                }
            } }
        } }
        if let vethError { throw vethError }
        let what = withUnsafeBytes(of: result.what) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard rc == 0 else {
            if netns >= 0 { close(netns) }
            let why = LinuxError.message(for: result.error)
            switch Int(result.stage) {
            case Int(CJobletLinux_StageCgroup): throw LocalJobError.cgroup("could not move the job into \(what): \(why)")
            case Int(CJobletLinux_StageClone): throw LocalJobError.spawnFailed("clone with new PID, mount, IPC and UTS namespaces: \(why) (jobletd must run as root)")
            case Int(CJobletLinux_StageLost): throw LocalJobError.initLost("\(what): \(why)")
            case Int(CJobletLinux_StageInit): throw LocalJobError.spawnFailed("starting the job's init (joblet-init) failed at \(what) (spawn.c/init.c:\(result.detail)): \(why)")
            default: throw LocalJobError.spawnFailed("setting up the job's namespaces and root filesystem failed at \(what) (spawn.c:\(result.detail)): \(why)")
            }
        }
        return Spawned(pid: result.pid, pidfd: PidFD(result.pidfd), netns: netns)
    }

    /// A NULL-terminated array of C strings, valid inside `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let owned = strings.map { strdup($0) }
        defer { owned.forEach { free($0) } }
        let pointers = owned.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
