import CJobletLinux
import Foundation
import Glibc
import Synchronization

/// Runs jobs on this host: cgroup, namespaces, own root filesystem, exit watching, stop, and
/// re-adoption after a restart. Shared state (the tracked jobs) lives behind one `Mutex`; the
/// critical sections only read or update the dictionary. One `ExitWatcher` thread waits on every
/// tracked job's pidfd; `detach()` stops it without touching the jobs.
public final class LocalJobRunner: Sendable {
    public let cgroups: any CgroupController
    public let config: LocalJobRunnerConfig
    let log: @Sendable (String) -> Void
    let state = Mutex(State())
    let watcher = ExitWatcher()
    /// The `joblet-init` executable (an O_PATH descriptor), or why there is none.
    let initExecutable: Result<JobInitExecutable, LocalJobError>
    /// The seccomp profile as BPF, compiled once (nil: unconfined, or each init builds it itself).
    let seccompFilter: [UInt8]?
    /// Warm inits (cgroup v1, `config.warmInits` > 0): their cgroup migration is off the launch path.
    /// `pool` holds inits of the default network kind (a namespace of their own or the host's);
    /// the other kind's pool starts with the first job that needs it (`warmPool(newNetwork:)`).
    let pool: InitPool?
    let otherPool = Mutex<InitPool?>(nil)
    /// Job directories made ahead of their jobs (with warm inits; SpareJobDirectories.swift),
    /// started with the first job, in its parent directory.
    let spares = Mutex<SpareJobDirectories?>(nil)
    /// Network namespaces of ended `bridge` jobs, for the next job on the same network
    /// (`config.recycledNamespaces`; RecycledNamespaces.swift).
    let recycled: RecycledNamespaces?

    /// A running job's network namespace, offered to `recycled` when the job ends.
    struct NetworkHold {
        let fd: Int32
        let bridge: String
        let address: UInt32
        let prefix: Int
        let veth: String
    }

    struct Tracked {
        let handle: JobProcessHandle
        let pidfd: PidFD
        var network: NetworkHold?
        var stopRequested = false
        var exit: JobExit?
        var waiters: [CheckedContinuation<JobExit, any Error>] = []
    }

    struct State {
        var jobs: [String: Tracked] = [:]
        var detached = false
    }

    /// Detects the host's cgroup layout, logs it in one line, and picks the matching controller.
    public convenience init(config: LocalJobRunnerConfig = LocalJobRunnerConfig(),
                            log: @escaping @Sendable (String) -> Void = LocalJobRunner.logToStandardError) throws {
        let layout = CgroupLayout.detect()
        log(layout.summary)
        switch layout {
        case .unified(let root, _): self.init(cgroups: CgroupV2Controller(root: root), config: config, log: log)
        case .v1(let hierarchies, _): self.init(cgroups: CgroupV1Controller(hierarchies: hierarchies), config: config, log: log)
        case .unavailable(let why): throw LocalJobError.cgroup("no usable cgroup hierarchy: \(why); mount cgroup2 with cpu, memory and pids enabled, or the v1 hierarchies")
        }
        _ = try initExecutable.get()  // a server that cannot start jobs says so at start
    }

    public init(cgroups: any CgroupController, config: LocalJobRunnerConfig = LocalJobRunnerConfig(),
                log: @escaping @Sendable (String) -> Void = LocalJobRunner.logToStandardError) {
        self.cgroups = cgroups
        self.config = config
        self.log = log
        self.initExecutable = JobInitExecutable.open(configured: config.initPath)
        var filter: [UInt8]?
        if config.seccomp == .default, case .success(let exe) = initExecutable {
            switch exe.compiledSeccompProfile() {
            case .success(let bytes): filter = bytes
            case .failure(let error): log("seccomp profile not precompiled, each job's init builds it: \(error)")
            }
        }
        self.seccompFilter = filter
        self.recycled = RecycledNamespaces(perNetwork: config.recycledNamespaces, log: log)
        if config.warmInits > 0, let v1 = cgroups as? CgroupV1Controller, case .success(let exe) = initExecutable {
            pool = InitPool(size: config.warmInits, cgroups: v1, initFD: exe.fd,
                            newNetwork: config.warmInitsHaveNetworkNamespace, log: log)
        } else {
            pool = nil
        }
    }

    deinit { watcher.stop() }

    public static let logToStandardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(("jobletd: " + line + "\n").utf8))
    }

    // MARK: start

    /// Creates the job's cgroup and limits, writes its uploads, and starts it. Returns once the
    /// command has been exec'd (or failed to: that shows up as exit 127 from `waitForExit`).
    public func start(_ spec: JobLaunchSpec) throws -> JobProcessHandle {
        try validate(spec)
        let initFD = try initExecutable.get().fd
        let user = spec.user ?? config.defaultUser
        let workspace = spec.jobDirectory + "/workspace", rootfs = spec.jobDirectory + "/rootfs"
        try prepareJobDirectory(spec)
        defer { spares.withLock { $0 }?.refill() }  // after this launch, not during it
        // From a spare, the workspace (with the job's size limit: spares are only taken when it is
        // the default) and the exit-status file exist already: the calls below then create nothing.
        if !FileIO.exists(workspace) {
            try WorkspaceQuota.makeWorkspace(workspace, limitMB: spec.workspaceMB ?? config.defaultWorkspaceMB)
        }
        try systemCall("chown", path: workspace) { chown(workspace, user.uid, user.gid) }
        try systemCall("chmod", path: workspace) { chmod(workspace, 0o700) }  // the job's alone
        if spec.builderRoot { try FileIO.makeDirectory(rootfs) }  // other roots are built on the init's own tmpfs (init.c)
        try WorkspaceWriter(workspace: workspace, owner: user).write(spec.uploads)

        let statusPath = ExitStatusRecord.path(jobDirectory: spec.jobDirectory)
        // Not O_TRUNC: the file is new (or a spare's, empty), and on ext4 a truncation makes the
        // close write out at once (auto_da_alloc). One with contents is emptied explicitly.
        let statusFD = try systemCall("open", path: statusPath) { open(statusPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(statusFD) }
        var statusStat = stat()
        if fstat(statusFD, &statusStat) == 0, statusStat.st_size > 0 {
            try systemCall("ftruncate", path: statusPath) { ftruncate(statusFD, 0) }
        }
        // Not O_APPEND: the init splices the job's output into it (log_drain.c), always at the end.
        let logFD = try systemCall("open", path: spec.logPath) { open(spec.logPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(logFD) }

        // A warm init's cgroups become the job's by a rename; otherwise the init is started below.
        // A warm init fits when its network namespace (or its lack of one) is what the job needs.
        // A builder's root is built after its spec (init.c): never a warm init.
        // A `bridge` job joins the namespace an ended job on its network left, when there is one.
        var join = spec.builderRoot ? nil : reusableNamespace(for: spec)
        defer { if let join { close(join.fd) } }  // not handed to a tracked job
        let pool = spec.builderRoot ? nil : warmPool(newNetwork: spec.network.newNamespace && join == nil)
        var warm = pool?.take()
        defer { pool?.refill() }  // after this launch, not during it (InitPool.take)
        let cgroup: JobCgroup
        if let w = warm, let v1 = cgroups as? CgroupV1Controller, let renamed = try? v1.rename(w.cgroup, toJobID: spec.jobID) {
            cgroup = renamed
        } else {
            if let w = warm { pool?.discard(w) }
            warm = nil
            cgroup = try cgroups.create(jobID: spec.jobID)
        }
        do {
            let report = try cgroups.apply(spec.limits, to: cgroup, workspace: workspace)
            report.warnings.forEach { log("job \(spec.jobID): \($0)") }
            // Into the log before the init owns it (nothing else writes to it while the job runs).
            for warning in report.warnings { Self.appendLine("jobletd: warning: \(warning)\n", to: logFD) }
            var environment = spec.environment
            if environment["PATH"] == nil { environment["PATH"] = LocalJobRunnerConfig.defaultPath }
            let prepared = warm?.prepared
            warm = nil  // consumed by the spawn, whatever its outcome
            let request = JobSpawner.Request(
                argv: [spec.command] + spec.arguments,
                environment: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
                hostname: spec.shortID, rootfs: rootfs, workspace: workspace, workDirectory: spec.workDirectory,
                placement: cgroups.placement(for: cgroup), logFD: logFD, statusFD: statusFD, user: user,
                initFD: initFD, seccomp: config.seccomp, maxLogBytes: config.maxLogBytes,
                seccompFilter: seccompFilter, mounts: spec.mounts, network: spec.network, jobID: spec.jobID,
                builderRoot: spec.builderRoot, joinNetwork: join?.fd, keepNetwork: recycled != nil)
            let spawned: JobSpawner.Spawned
            do {
                spawned = try JobSpawner.spawn(request, prepared: prepared)
            } catch LocalJobError.initLost(let why) where prepared != nil {
                // A warm init killed from outside between take() and the spec: nothing ran; the
                // job gets a fresh init in the same (now empty) cgroups.
                log("job \(spec.jobID): its warm init was gone (\(why)); starting a fresh one")
                spawned = try JobSpawner.spawn(request)
            }
            var hold: NetworkHold?
            if case .bridge(let bridge, let address, let prefix, _, _) = spec.network {
                let fd = join?.fd ?? spawned.netns
                let veth = join?.veth ?? JobVeth.hostName(jobID: spec.jobID)
                join = nil  // the job's now
                if fd >= 0 { hold = NetworkHold(fd: fd, bridge: bridge, address: address, prefix: prefix, veth: veth) }
            }
            let handle = JobProcessHandle(
                jobID: spec.jobID, pid: spawned.pid, startTime: ProcessStat.read(pid: spawned.pid)?.startTime ?? 0,
                cgroup: cgroup, jobDirectory: spec.jobDirectory, command: spec.command,
                memoryLimitMB: spec.limits.maxMemoryMB, warnings: report.warnings)
            do {
                try track(handle, pidfd: spawned.pidfd, network: hold)
            } catch {
                if let hold { close(hold.fd) }
                spawned.pidfd.send(SIGKILL)
                _ = CJobletLinux_pidfd_wait(spawned.pidfd.fd, -1)
                _ = spawned.pidfd.reap()
                throw error
            }
            return handle
        } catch {
            if let w = warm { pool?.discard(w, cgroup: cgroup) }
            try? cgroups.killAll(in: cgroup, timeout: config.killTimeout)
            try? cgroups.remove(cgroup)
            throw error
        }
    }

    /// The job's directory: a spare renamed into place (with its workspace and exit-status file),
    /// or made here (`start` refills the spares once its launch is done). Spares have the default
    /// workspace size limit (`jobs.defaultWorkspaceMB`: a btrfs subvolume with its qgroup limit);
    /// a job that asks for another limit, or a builder's job, never takes one.
    public func prepareJobDirectory(_ spec: JobLaunchSpec) throws {
        if config.warmInits > 0, !spec.builderRoot, (spec.workspaceMB ?? config.defaultWorkspaceMB) == config.defaultWorkspaceMB,
           !FileIO.exists(spec.jobDirectory), let slash = spec.jobDirectory.lastIndex(of: "/") {
            let parent = String(spec.jobDirectory[..<slash])
            let spares = self.spares.withLock { current -> SpareJobDirectories? in
                if let current, current.parent == parent { return current }
                if state.withLock({ $0.detached }) { return nil }
                current?.close()
                current = SpareJobDirectories(parent: parent, size: config.warmInits, workspaceLimitMB: config.defaultWorkspaceMB, log: log)
                return current
            }
            if let spares, spares.take(as: spec.jobDirectory) { return }
        }
        try FileIO.makeDirectories(spec.jobDirectory, mode: 0o711)
    }

    /// A recycled namespace for a `bridge` job, or nil. Its veth keeps its name (that of the job
    /// that first had the namespace): the job's address claim names it, so that other servers on
    /// this host see the address in use (AddressClaims).
    private func reusableNamespace(for spec: JobLaunchSpec) -> RecycledNamespaces.Namespace? {
        guard let recycled, case .bridge(let bridge, let address, _, _, _) = spec.network,
              let ns = recycled.take(bridge: bridge) else { return nil }
        AddressClaims().record(device: ns.veth, address: address, bridge: bridge, jobID: spec.jobID)
        return ns
    }

    /// Closes the recycled namespaces of a network's bridge (the network is being removed).
    public func discardRecycledNamespaces(bridge: String) { recycled?.discard(bridge: bridge) }

    /// The warm inits for a job with (or without) a network namespace of its own. The pool of the
    /// kind the default network does not use starts with the first such job (which starts cold):
    /// a server whose jobs all use one kind keeps no idle inits of the other.
    func warmPool(newNetwork: Bool) -> InitPool? {
        guard let pool else { return nil }
        if newNetwork == pool.newNetwork { return pool }
        return otherPool.withLock { other -> InitPool? in
            if let other { return other }
            if state.withLock({ $0.detached }) { return nil }
            let made = InitPool(size: pool.size, cgroups: pool.cgroups, initFD: pool.initFD, newNetwork: newNetwork,
                                removeStale: false, log: log)
            other = made
            return nil
        }
    }

    private static func appendLine(_ line: String, to fd: Int32) {
        _ = lseek(fd, 0, SEEK_END)
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private func validate(_ spec: JobLaunchSpec) throws {
        if state.withLock({ $0.detached }) { throw LocalJobError.spawnFailed("this runner was detached (the server is stopping); start jobs on a new runner") }
        if spec.command.isEmpty { throw LocalJobError.invalidSpec("the command is empty") }
        if !spec.jobDirectory.hasPrefix("/") { throw LocalJobError.invalidSpec("jobDirectory \"\(spec.jobDirectory)\" must be an absolute path") }
        if !spec.workDirectory.isEmpty {
            _ = try WorkspaceWriter.components(of: spec.workDirectory)
        }
        if spec.mounts.count > Int(CJobletLinux_MaxMounts) {
            throw LocalJobError.invalidSpec("\(spec.mounts.count) mounts; a job may have at most \(CJobletLinux_MaxMounts)")
        }
        for mount in spec.mounts {
            if let problem = JobMount.problem(withTarget: mount.target) { throw LocalJobError.invalidSpec(problem) }
            guard mount.source.hasPrefix("/"), FileManager.default.fileExists(atPath: mount.source) else {
                throw LocalJobError.invalidSpec("mount source \(mount.source) does not exist on the host")
            }
        }
        if let mb = spec.limits.maxMemoryMB, mb < 0 { throw LocalJobError.invalidSpec("maxMemory \(mb) MB is negative") }
        if let cpu = spec.limits.maxCPUPercent, cpu < 0 { throw LocalJobError.invalidSpec("maxCPU \(cpu)% is negative") }
        if spec.environment.keys.contains(where: { $0.isEmpty || $0.contains("=") }) {
            throw LocalJobError.invalidSpec("environment names must be non-empty and contain no '='")
        }
    }

    // MARK: watching

    func track(_ handle: JobProcessHandle, pidfd: PidFD, network: NetworkHold? = nil) throws {
        state.withLock { $0.jobs[handle.jobID] = Tracked(handle: handle, pidfd: pidfd, network: network) }
        do {
            let jobID = handle.jobID
            try watcher.watch(pidfd) { [weak self] in self?.finish(jobID: jobID) }
        } catch {
            state.withLock { $0.jobs[handle.jobID] = nil }
            throw error
        }
    }

    /// The init is gone: collect its status and the cgroup's counters, clean up, tell waiters.
    private func finish(jobID: String) {
        guard let tracked = state.withLock({ $0.jobs[jobID] }), tracked.exit == nil else { return }
        let handle = tracked.handle
        let reaped = tracked.pidfd.reap()
        let exit = collectExit(handle, reaped: reaped, stopped: state.withLock { $0.jobs[jobID]?.stopRequested ?? false })
        // Every process of the job is gone (its cgroup is): its namespace may serve the next job.
        if let hold = state.withLock({ s -> NetworkHold? in defer { s.jobs[jobID]?.network = nil }; return s.jobs[jobID]?.network }) {
            // Held only when there is a `recycled` (JobSpawner.Request.keepNetwork).
            recycled?.offer(fd: hold.fd, bridge: hold.bridge, address: hold.address, prefix: hold.prefix, veth: hold.veth)
        }
        let waiters = state.withLock { state -> [CheckedContinuation<JobExit, any Error>] in
            state.jobs[jobID]?.exit = exit
            defer { state.jobs[jobID]?.waiters = [] }
            return state.jobs[jobID]?.waiters ?? []
        }
        waiters.forEach { $0.resume(returning: exit) }
    }

    /// Reads the exit status and counters, then kills what is left and removes the cgroup.
    func collectExit(_ handle: JobProcessHandle, reaped: (code: Int32, signal: Int32)?, stopped: Bool) -> JobExit {
        let usage = cgroups.usage(of: handle.cgroup)
        do {
            try cgroups.killAll(in: handle.cgroup, timeout: config.killTimeout)
            try cgroups.remove(handle.cgroup)
        } catch {
            log("job \(handle.jobID): cleaning up cgroup \(handle.cgroup.relativePath): \(error)")
        }
        let interpreter = JobExitInterpreter(command: handle.command, memoryLimitMB: handle.memoryLimitMB)
        return interpreter.exit(record: ExitStatusRecord.read(jobDirectory: handle.jobDirectory),
                                reaped: reaped, usage: usage, stopped: stopped)
    }

    // MARK: waiting, stopping, forgetting

    /// Suspends until the job has ended and its cgroup is gone.
    public func waitForExit(_ handle: JobProcessHandle) async throws -> JobExit {
        try await withCheckedThrowingContinuation { (outer: CheckedContinuation<JobExit, any Error>) in
            enum Outcome { case done(JobExit), waiting, unknown }
            let outcome: Outcome = state.withLock { state in
                guard var tracked = state.jobs[handle.jobID] else { return .unknown }
                if let exit = tracked.exit { return .done(exit) }
                tracked.waiters.append(outer)
                state.jobs[handle.jobID] = tracked
                return .waiting
            }
            switch outcome {
            case .done(let exit): outer.resume(returning: exit)
            case .unknown: outer.resume(throwing: LocalJobError.invalidSpec("job \(handle.jobID) is not tracked by this runner; start or adopt it first"))
            case .waiting: break
            }
        }
    }

    /// SIGTERM to the job (its init forwards it to the command's process group), `grace` to
    /// finish, then SIGKILL to everything left in the cgroup. Returns the job's exit.
    public func stop(_ handle: JobProcessHandle, grace: Duration = .milliseconds(100)) async throws -> JobExit {
        let pidfd: PidFD? = state.withLock { state in
            guard state.jobs[handle.jobID]?.exit == nil else { return nil }
            state.jobs[handle.jobID]?.stopRequested = true
            return state.jobs[handle.jobID]?.pidfd
        }
        if let pidfd {
            pidfd.send(SIGTERM)
            let deadline = ContinuousClock.now + grace
            while !pidfd.hasExited, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            if !pidfd.hasExited {
                pidfd.send(SIGKILL)  // pid 1 of the namespace: the kernel kills the rest with it
                try cgroups.killAll(in: handle.cgroup, timeout: config.killTimeout)
            }
        }
        return try await waitForExit(handle)
    }

    /// Drops a finished job's record (its exit stays with the caller).
    public func forget(_ handle: JobProcessHandle) {
        state.withLock { state in
            if state.jobs[handle.jobID]?.exit != nil { state.jobs[handle.jobID] = nil }
        }
    }

    /// Stops watching every job without touching it (the server is going away); jobs keep running
    /// and another runner can `adopt` them. Waiters on still-running jobs are not resumed.
    public func detach() {
        state.withLock { $0.detached = true }
        pool?.close()
        otherPool.withLock { $0?.close() }
        spares.withLock { $0?.close() }
        recycled?.close()
        watcher.stop()
    }

    /// Warm inits started again (after the volumes directory became a shared mount).
    public func renewWarmInits() {
        pool?.renew()
        otherPool.withLock { $0?.renew() }
    }

    /// Jobs this runner is watching or has seen finish.
    public var trackedJobIDs: [String] { state.withLock { Array($0.jobs.keys) } }
}

