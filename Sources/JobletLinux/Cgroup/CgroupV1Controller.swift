import Glibc

/// cgroup v1: one directory per hierarchy (cpu, cpuacct, cpuset, memory, blkio, pids, freezer,
/// devices; combined mounts such as "cpu,cpuacct" share one). Stateless: every call reads the files.
public struct CgroupV1Controller: CgroupController {
    /// The hierarchies a job joins, when the host has them.
    public static let jobControllers = ["cpu", "cpuacct", "cpuset", "memory", "blkio", "pids", "freezer", "devices"]

    /// Controller name → mount point.
    public let hierarchies: [String: String]
    public let parent: String

    public init(hierarchies: [String: String], parent: String = "joblet") {
        self.hierarchies = hierarchies.filter { Self.jobControllers.contains($0.key) }
        self.parent = parent
    }

    public var summary: String { CgroupLayout.v1(hierarchies: hierarchies, unifiedMount: nil).summary }

    private func dir(_ controller: String, _ cgroup: JobCgroup) -> String? {
        hierarchies[controller].map { "\($0)/\(cgroup.relativePath)" }
    }

    /// Distinct mount points, in a fixed order (combined hierarchies appear once).
    private var mountPoints: [String] {
        var seen = Set<String>()
        return Self.jobControllers.compactMap { hierarchies[$0] }.filter { seen.insert($0).inserted }
    }

    public func create(jobID: String) throws -> JobCgroup {
        let cgroup = try Self.cgroup(forJobID: jobID)
        for mount in mountPoints {
            let parentDir = "\(mount)/\(parent)"
            try FileIO.makeDirectory(parentDir)
            if mount == hierarchies["cpuset"] { try inheritCpuset(from: mount, into: parentDir) }
            try FileIO.makeDirectory("\(mount)/\(cgroup.relativePath)")
            if mount == hierarchies["cpuset"] { try inheritCpuset(from: parentDir, into: "\(mount)/\(cgroup.relativePath)") }
            if mount == hierarchies["devices"] { try DeviceAllowList.apply(toV1: "\(mount)/\(cgroup.relativePath)") }
        }
        return cgroup
    }

    /// A new v1 cpuset has empty cpus/mems and refuses tasks until they are copied from its parent.
    private func inheritCpuset(from source: String, into target: String) throws {
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let current = FileIO.readTrimmed("\(target)/\(file)") ?? ""
            if current.isEmpty, let value = FileIO.readTrimmed("\(source)/\(file)"), !value.isEmpty {
                try FileIO.write(value, to: "\(target)/\(file)")
            }
        }
    }

    public func apply(_ limits: CgroupLimits, to cgroup: JobCgroup, workspace: String) throws -> CgroupApplyReport {
        var report = CgroupApplyReport()
        if let percent = limits.maxCPUPercent, percent > 0 {
            guard let cpu = dir("cpu", cgroup) else { throw LocalJobError.cgroup("maxCPU needs the v1 cpu controller, which is not mounted") }
            try FileIO.write("100000", to: "\(cpu)/cpu.cfs_period_us")
            try FileIO.write(String(percent * 1000), to: "\(cpu)/cpu.cfs_quota_us")
        }
        if let cores = limits.cpuCores, !cores.isEmpty {
            guard let cpuset = dir("cpuset", cgroup) else { throw LocalJobError.cgroup("cpuCores needs the v1 cpuset controller, which is not mounted") }
            try write(cores, "\(cpuset)/cpuset.cpus", what: "cpuCores \"\(cores)\"")
        }
        if let mb = limits.maxMemoryMB, mb > 0 {
            guard let memory = dir("memory", cgroup) else { throw LocalJobError.cgroup("maxMemory needs the v1 memory controller") }
            let bytes = String(UInt64(mb) * 1024 * 1024)
            try FileIO.write(bytes, to: "\(memory)/memory.limit_in_bytes")
            // memsw ≥ limit, so it goes second; without it the job could spill into swap.
            if FileIO.exists("\(memory)/memory.memsw.limit_in_bytes") {
                try FileIO.write(bytes, to: "\(memory)/memory.memsw.limit_in_bytes")
            }
        }
        if let pids = dir("pids", cgroup), limits.maxPids > 0 {
            try FileIO.write(String(limits.maxPids), to: "\(pids)/pids.max")
        }
        if let bps = limits.maxIOBPS, bps > 0 {
            if let warning = throttleIO(bps, cgroup: cgroup, workspace: workspace) { report.warnings.append(warning) }
        }
        return report
    }

    private func throttleIO(_ bps: UInt64, cgroup: JobCgroup, workspace: String) -> String? {
        guard let blkio = dir("blkio", cgroup) else { return "maxIOBPS not applied: the v1 blkio controller is not mounted" }
        switch BlockDevice.backing(workspace) {
        case .failure(let why):
            return "maxIOBPS not applied: \(why.reason)"
        case .success(let device):
            do {
                for file in ["blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device"] {
                    try FileIO.write("\(device) \(bps)", to: "\(blkio)/\(file)")
                }
                return nil
            } catch {
                return "maxIOBPS not applied: device \(device) under \(workspace) refused throttling (\(error))"
            }
        }
    }

    private func write(_ value: String, _ path: String, what: String) throws {
        do { try FileIO.write(value, to: path) } catch let error as LinuxError where error.errno == EINVAL || error.errno == ERANGE {
            throw LocalJobError.invalidSpec("\(what) was refused by \(path): check the value against this host")
        }
    }

    public func placement(for cgroup: JobCgroup) -> CgroupPlacement {
        .procsFiles(mountPoints.map { "\($0)/\(cgroup.relativePath)/cgroup.procs" })
    }

    public func contains(pid: Int32, in cgroup: JobCgroup) -> Bool {
        let wanted = "/" + cgroup.relativePath
        return Self.procCgroupLines(pid: pid).contains { $0.controllers.contains("memory") && $0.path == wanted }
    }

    public func processes(in cgroup: JobCgroup) -> [Int32] {
        guard let memory = dir("memory", cgroup) ?? dir("pids", cgroup) else { return [] }
        return Self.pids(inProcsFile: "\(memory)/cgroup.procs")
    }

    public func usage(of cgroup: JobCgroup) -> JobResourceUsage {
        var usage = JobResourceUsage()
        if let cpuacct = dir("cpuacct", cgroup) { usage.cpuNanoseconds = FileIO.readTrimmed("\(cpuacct)/cpuacct.usage").flatMap { UInt64($0) } }
        if let memory = dir("memory", cgroup) {
            usage.peakMemoryBytes = FileIO.readTrimmed("\(memory)/memory.max_usage_in_bytes").flatMap { UInt64($0) }
            // "oom_kill N" exists since 4.13; older kernels only count limit hits.
            let oom = (FileIO.readTrimmed("\(memory)/memory.oom_control") ?? "").keyedCounters
            usage.oomKills = oom["oom_kill"] ?? 0
            usage.memoryBytes = FileIO.readTrimmed("\(memory)/memory.usage_in_bytes").flatMap { UInt64($0) }
        }
        if let pids = dir("pids", cgroup) {
            usage.pidsLimitHits = (FileIO.readTrimmed("\(pids)/pids.events") ?? "").keyedCounters["max"]
            usage.pids = FileIO.readTrimmed("\(pids)/pids.current").flatMap { UInt64($0) }
        }
        if let blkio = dir("blkio", cgroup), let text = FileIO.readTrimmed("\(blkio)/blkio.throttle.io_service_bytes") {
            (usage.ioReadBytes, usage.ioWriteBytes) = Self.ioBytes(serviceBytes: text)
        }
        return usage
    }

    public func counterFiles(of cgroup: JobCgroup) -> CgroupCounterFiles {
        CgroupCounterFiles(cpu: dir("cpuacct", cgroup).map { "\($0)/cpuacct.usage" }, cpuKey: nil, cpuScale: 1,
                           memory: dir("memory", cgroup).map { "\($0)/memory.usage_in_bytes" })
    }

    /// blkio.throttle.io_service_bytes: "8:0 Read 4096" … per device and operation, then "Total N".
    static func ioBytes(serviceBytes: String) -> (UInt64, UInt64) {
        var read: UInt64 = 0, written: UInt64 = 0
        for line in serviceBytes.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, let n = UInt64(f[2]) else { continue }
            if f[1] == "Read" { read &+= n } else if f[1] == "Write" { written &+= n }
        }
        return (read, written)
    }

    public func killAll(in cgroup: JobCgroup, timeout: Duration) throws {
        // Frozen, nothing can fork between reading cgroup.procs and the kill; thawed, the kills land.
        let freezer = dir("freezer", cgroup).map { "\($0)/freezer.state" }.flatMap { FileIO.exists($0) ? $0 : nil }
        try CgroupKiller.killUntilEmpty(timeout: timeout, list: { processes(in: cgroup) }, freeze: { frozen in
            guard let freezer else { return }
            try? FileIO.write(frozen ? "FROZEN" : "THAWED", to: freezer)
        })
    }

    /// Renames a cgroup in every hierarchy (a warm init's, to its job's id: InitPool). v1 allows
    /// renaming a cgroup with processes in it; nothing migrates. Undone in full when one fails.
    func rename(_ cgroup: JobCgroup, toJobID jobID: String) throws -> JobCgroup {
        let target = try Self.cgroup(forJobID: jobID)
        var done: [String] = []
        for mount in mountPoints {
            let from = "\(mount)/\(cgroup.relativePath)", to = "\(mount)/\(target.relativePath)"
            if Glibc.rename(from, to) != 0 {
                let e = errno
                for m in done { _ = Glibc.rename("\(m)/\(target.relativePath)", "\(m)/\(cgroup.relativePath)") }
                throw LinuxError("rename", path: "\(from) -> \(to)", errno: e)
            }
            done.append(mount)
        }
        return target
    }

    public func remove(_ cgroup: JobCgroup) throws {
        for mount in mountPoints.reversed() {
            try CgroupKiller.removeDirectory("\(mount)/\(cgroup.relativePath)")
        }
    }
}
