import CJobletLinux
import Foundation
import Glibc
import JobletCore

/// A few job inits started ahead of their jobs (cgroup v1): each is already in its namespaces and
/// in a cgroup of its own in every hierarchy, waiting for a spec. Moving a process into a v1
/// cgroup (`cgroup.procs`) waits for RCU grace periods when the host is busy -- the largest and
/// most variable part of a launch (docs/benchmarks.md). A launch takes a warm init, renames its
/// cgroups to the job's id (a rename, not a migration), applies the limits and sends the spec;
/// the pool is refilled on its own thread, off the launch path.
///
/// The cgroups are `joblet/pool-<jobletd pid>-<n>`: a restarted jobletd removes the ones of a
/// jobletd that is gone (their inits exit when their control socket closes), never another live
/// server's.
final class InitPool: Sendable {
    struct Warm: Sendable {
        let pid: Int32
        let pidfd: Int32
        let ctl: Int32
        let cgroup: JobCgroup

        var prepared: CJobletLinux_Prepared { CJobletLinux_Prepared(pid: pid, pidfd: pidfd, ctl: ctl) }
    }

    let size: Int
    let cgroups: CgroupV1Controller
    let initFD: Int32
    /// Inits cloned with a network namespace of their own (CLONE_NEWNET).
    let newNetwork: Bool
    let log: @Sendable (String) -> Void
    private let spares: SparePool<Warm>

    /// `removeStale`: remove the pool cgroups of jobletd processes that are gone (the first pool).
    init(size: Int, cgroups: CgroupV1Controller, initFD: Int32, newNetwork: Bool = true, removeStale: Bool = true,
         log: @escaping @Sendable (String) -> Void) {
        self.size = size
        self.cgroups = cgroups
        self.initFD = initFD
        self.newNetwork = newNetwork
        self.log = log
        if removeStale { Self.removeStale(cgroups, log: log) }
        let kind = newNetwork ? "n" : "h"
        spares = SparePool(label: "jobletd.init-pool-\(kind)", size: size,
                           make: { n in try Self.prepare("pool-\(getpid())-\(kind)\(n)", cgroups: cgroups, initFD: initFD, newNetwork: newNetwork) },
                           discard: { Self.discard($0, cgroup: $0.cgroup, cgroups: cgroups) },
                           failed: { log("warm job init not started: \($0)") })
    }

    /// A warm init, or nil (then the caller starts one the usual way). The caller calls `refill()`
    /// once its launch is done: a refill's clone and v1 migration would compete with the launch
    /// (the migration holds back every fork on the host, the job's command's included).
    func take() -> Warm? {
        for _ in 0..<size {
            guard let warm = spares.take() else { return nil }
            if CJobletLinux_pidfd_wait(warm.pidfd, 0) == 0 { return warm }
            discard(warm)  // it died while it waited (killed from outside): the next one
        }
        return nil
    }

    /// Starts inits until the pool is full again, on the pool's own queue.
    func refill() { spares.refill() }

    /// Kills an init that was taken but will not be used, and removes its cgroup.
    func discard(_ warm: Warm, cgroup: JobCgroup? = nil) {
        Self.discard(warm, cgroup: cgroup ?? warm.cgroup, cgroups: cgroups)
    }

    private static func discard(_ warm: Warm, cgroup: JobCgroup, cgroups: CgroupV1Controller) {
        var prepared = warm.prepared
        CJobletLinux_prepared_discard(&prepared)
        try? cgroups.remove(cgroup)
    }

    /// Replaces every warm init with a fresh one: their mount namespaces are copies of the
    /// server's from when they started (the volumes directory's shared mount, issue 15).
    func renew() { spares.renew() }

    /// No more refills; every warm init is killed and its cgroup removed.
    func close(waitForRefill: Bool = true) { spares.close(waitForRefill: waitForRefill) }

    private static func prepare(_ name: String, cgroups: CgroupV1Controller, initFD: Int32, newNetwork: Bool) throws -> Warm {
        let cgroup = try cgroups.create(jobID: name)
        guard case .procsFiles(let files) = cgroups.placement(for: cgroup) else {
            try? cgroups.remove(cgroup)
            throw LocalJobError.cgroup("a warm init needs v1 cgroup.procs files")
        }
        var prepared = CJobletLinux_Prepared()
        var result = CJobletLinux_SpawnResult()
        let owned = files.map { strdup($0) }
        defer { owned.forEach { free($0) } }
        let rc = (owned.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { procs -> Int32 in
            var spec = CJobletLinux_SpawnSpec()
            spec.init_fd = initFD
            spec.cgroup_procs = procs.baseAddress
            spec.cgroup_fd = -1
            // Networks (issue 15): a job whose network kind differs from the pool's starts cold.
            spec.flags = newNetwork ? UInt32(CJobletLinux_SpawnNewNetwork) : 0
            return CJobletLinux_spawn_prepare(&spec, &prepared, &result)
        }
        guard rc == 0 else {
            try? cgroups.remove(cgroup)
            throw LocalJobError.spawnFailed("preparing a job init: \(LinuxError.message(for: result.error))")
        }
        return Warm(pid: prepared.pid, pidfd: prepared.pidfd, ctl: prepared.ctl, cgroup: cgroup)
    }

    /// Pool cgroups of jobletd processes that are gone.
    private static func removeStale(_ cgroups: CgroupV1Controller, log: @Sendable (String) -> Void) {
        guard let memory = cgroups.hierarchies["memory"] ?? cgroups.hierarchies.values.first,
              let names = try? FileManager.default.contentsOfDirectory(atPath: "\(memory)/\(cgroups.parent)") else { return }
        for name in names where SparePool<Warm>.isStale(name, prefix: "pool") {
            let cgroup = JobCgroup(relativePath: "\(cgroups.parent)/\(name)")
            do {
                try cgroups.killAll(in: cgroup, timeout: .seconds(2))
                try cgroups.remove(cgroup)
            } catch {
                log("removing the stale warm-init cgroup \(name): \(error)")
            }
        }
    }
}
