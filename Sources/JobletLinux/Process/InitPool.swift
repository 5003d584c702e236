import CJobletLinux
import Foundation
import Glibc
import Synchronization

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
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "jobletd.init-pool")

    private struct State {
        var warm: [Warm] = []
        var refilling = false
        var closed = false
        var counter = 0
        var failures = 0
    }

    /// `removeStale`: remove the pool cgroups of jobletd processes that are gone (the first pool).
    init(size: Int, cgroups: CgroupV1Controller, initFD: Int32, newNetwork: Bool = true, removeStale: Bool = true,
         log: @escaping @Sendable (String) -> Void) {
        self.size = size
        self.cgroups = cgroups
        self.initFD = initFD
        self.newNetwork = newNetwork
        self.log = log
        if removeStale { self.removeStale() }
        refill()
    }

    // Not close(): the last reference may go at the end of a refill, on the queue itself.
    deinit { close(waitForRefill: false) }

    /// A warm init, or nil (then the caller starts one the usual way). The caller calls `refill()`
    /// once its launch is done: a refill's clone and v1 migration would compete with the launch
    /// (the migration holds back every fork on the host, the job's command's included).
    func take() -> Warm? {
        for _ in 0..<size {
            guard let warm = state.withLock({ s -> Warm? in s.warm.isEmpty ? nil : s.warm.removeFirst() }) else { return nil }
            if CJobletLinux_pidfd_wait(warm.pidfd, 0) == 0 { return warm }
            discard(warm)  // it died while it waited (killed from outside): the next one
        }
        return nil
    }

    /// Kills an init that was taken but will not be used, and removes its cgroup.
    func discard(_ warm: Warm, cgroup: JobCgroup? = nil) {
        var prepared = warm.prepared
        CJobletLinux_prepared_discard(&prepared)
        try? cgroups.remove(cgroup ?? warm.cgroup)
    }

    /// Replaces every warm init with a fresh one: their mount namespaces are copies of the
    /// server's from when they started, and must see the volumes directory's shared mount (issue 15).
    func renew() {
        queue.sync {}  // a refill under way finishes first
        let old = state.withLock { s -> [Warm] in
            defer { s.warm = [] }
            return s.warm
        }
        old.forEach { discard($0) }
        refill()
    }

    /// No more refills; every warm init is killed and its cgroup removed.
    func close(waitForRefill: Bool = true) {
        state.withLock { $0.closed = true }
        // A refill under way finishes first (and discards what it made): nothing outlives us.
        if waitForRefill { queue.sync {} }
        let left = state.withLock { s -> [Warm] in
            defer { s.warm = [] }
            return s.warm
        }
        left.forEach { discard($0) }
    }

    /// Starts inits until the pool is full again, on the pool's own queue.
    func refill() {
        let start = state.withLock { s -> Bool in
            guard !s.closed, !s.refilling, s.warm.count < size else { return false }
            s.refilling = true
            s.failures = 0  // up to 3 failures in a row per refill; the next launch tries again
            return true
        }
        guard start else { return }
        queue.async { [self] in
            while true {
                let (need, name) = state.withLock { s -> (Bool, String) in
                    s.counter += 1
                    let need = !s.closed && s.warm.count < size && s.failures < 3
                    if !need { s.refilling = false }
                    return (need, "pool-\(getpid())-\(newNetwork ? "n" : "h")\(s.counter)")
                }
                guard need else { return }
                do {
                    let warm = try prepare(name)
                    let keep = state.withLock { s -> Bool in
                        if s.closed { return false }
                        s.warm.append(warm)
                        s.failures = 0
                        return true
                    }
                    if !keep { discard(warm) }
                } catch {
                    // A few failures in a row stop the refills (launches take the usual path);
                    // the next take() tries again.
                    state.withLock { $0.failures += 1 }
                    log("warm job init not started: \(error)")
                }
            }
        }
    }

    private func prepare(_ name: String) throws -> Warm {
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
    private func removeStale() {
        guard let memory = cgroups.hierarchies["memory"] ?? cgroups.hierarchies.values.first,
              let names = try? FileManager.default.contentsOfDirectory(atPath: "\(memory)/\(cgroups.parent)") else { return }
        for name in names where name.hasPrefix("pool-") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, let pid = Int32(parts[1]), kill(pid, 0) != 0, errno == ESRCH else { continue }
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
