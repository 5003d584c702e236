import Glibc

/// cgroup v2: one tree at `root`; `<root>/joblet` delegates cpu, cpuset, memory, io and pids to
/// one directory per job. Stateless: every call reads the files, so a fake tree can stand in.
public struct CgroupV2Controller: CgroupController {
    static let wanted = ["cpu", "cpuset", "memory", "io", "pids"]

    public let root: String
    public let parent: String

    public init(root: String, parent: String = "joblet") {
        self.root = root
        self.parent = parent
    }

    public var summary: String {
        let controllers = (FileIO.readTrimmed("\(root)/cgroup.controllers") ?? "").split(separator: " ").map(String.init)
        return CgroupLayout.unified(root: root, controllers: controllers).summary
    }

    private func dir(_ cgroup: JobCgroup) -> String { "\(root)/\(cgroup.relativePath)" }

    /// O_CREAT is harmless on cgroupfs (the files exist) and lets a fake tree stand in for it.
    private func write(_ value: String, _ path: String) throws { try FileIO.write(value, to: path, create: true) }

    public func create(jobID: String) throws -> JobCgroup {
        let cgroup = try Self.cgroup(forJobID: jobID)
        let parentDir = "\(root)/\(parent)"
        try enableControllers(in: root)
        try FileIO.makeDirectory(parentDir)
        try enableControllers(in: parentDir)
        try FileIO.makeDirectory(dir(cgroup))
        return cgroup
    }

    /// Children only get the controllers their parent lists in cgroup.subtree_control.
    private func enableControllers(in directory: String) throws {
        let available = (FileIO.readTrimmed("\(directory)/cgroup.controllers") ?? "").split(separator: " ").map(String.init)
        let enabled = Set((FileIO.readTrimmed("\(directory)/cgroup.subtree_control") ?? "").split(separator: " ").map(String.init))
        let missing = Self.wanted.filter { available.contains($0) && !enabled.contains($0) }
        if missing.isEmpty { return }
        try write(missing.map { "+" + $0 }.joined(separator: " "), "\(directory)/cgroup.subtree_control")
    }

    public func apply(_ limits: CgroupLimits, to cgroup: JobCgroup, workspace: String) throws -> CgroupApplyReport {
        var report = CgroupApplyReport()
        let d = dir(cgroup)
        if let percent = limits.maxCPUPercent, percent > 0 {
            try write("\(percent * 1000) 100000", "\(d)/cpu.max")
        }
        if let cores = limits.cpuCores, !cores.isEmpty {
            do { try write(cores, "\(d)/cpuset.cpus") } catch let error as LinuxError where error.errno == EINVAL || error.errno == ERANGE {
                throw LocalJobError.invalidSpec("cpuCores \"\(cores)\" was refused by \(d)/cpuset.cpus: check the value against this host")
            }
        }
        if let mb = limits.maxMemoryMB, mb > 0 {
            try write(String(UInt64(mb) * 1024 * 1024), "\(d)/memory.max")
            if FileIO.exists("\(d)/memory.swap.max") { try write("0", "\(d)/memory.swap.max") }
        }
        if limits.maxPids > 0 {
            try write(String(limits.maxPids), "\(d)/pids.max")
        }
        if let bps = limits.maxIOBPS, bps > 0 {
            switch BlockDevice.backing(workspace) {
            case .failure(let why):
                report.warnings.append("maxIOBPS not applied: \(why.reason)")
            case .success(let device):
                do { try write("\(device) rbps=\(bps) wbps=\(bps)", "\(d)/io.max") } catch {
                    report.warnings.append("maxIOBPS not applied: device \(device) under \(workspace) refused throttling (\(error))")
                }
            }
        }
        return report
    }

    public func placement(for cgroup: JobCgroup) -> CgroupPlacement { .directory(dir(cgroup)) }

    public func contains(pid: Int32, in cgroup: JobCgroup) -> Bool {
        let wanted = "/" + cgroup.relativePath
        return Self.procCgroupLines(pid: pid).contains { $0.controllers.isEmpty && $0.path == wanted }
    }

    public func processes(in cgroup: JobCgroup) -> [Int32] {
        Self.pids(inProcsFile: "\(dir(cgroup))/cgroup.procs")
    }

    public func usage(of cgroup: JobCgroup) -> JobResourceUsage {
        let d = dir(cgroup)
        var usage = JobResourceUsage()
        usage.cpuNanoseconds = (FileIO.readTrimmed("\(d)/cpu.stat") ?? "").keyedCounters["usage_usec"].map { $0 * 1000 }
        usage.peakMemoryBytes = FileIO.readTrimmed("\(d)/memory.peak").flatMap { UInt64($0) }
        usage.oomKills = (FileIO.readTrimmed("\(d)/memory.events") ?? "").keyedCounters["oom_kill"] ?? 0
        usage.pidsLimitHits = (FileIO.readTrimmed("\(d)/pids.events") ?? "").keyedCounters["max"]
        usage.memoryBytes = FileIO.readTrimmed("\(d)/memory.current").flatMap { UInt64($0) }
        usage.pids = FileIO.readTrimmed("\(d)/pids.current").flatMap { UInt64($0) }
        if let io = FileIO.readTrimmed("\(d)/io.stat") {
            (usage.ioReadBytes, usage.ioWriteBytes) = Self.ioBytes(ioStat: io)
        }
        return usage
    }

    public func counterFiles(of cgroup: JobCgroup) -> CgroupCounterFiles {
        let d = dir(cgroup)
        // cpu.stat's first line is usage_usec.
        return CgroupCounterFiles(cpu: "\(d)/cpu.stat", cpuKey: "usage_usec", cpuScale: 1000, memory: "\(d)/memory.current")
    }

    /// io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device, summed.
    static func ioBytes(ioStat: String) -> (UInt64, UInt64) {
        var read: UInt64 = 0, written: UInt64 = 0
        for line in ioStat.split(separator: "\n") {
            for field in line.split(separator: " ").dropFirst() {
                if field.hasPrefix("rbytes="), let n = UInt64(field.dropFirst(7)) { read &+= n }
                if field.hasPrefix("wbytes="), let n = UInt64(field.dropFirst(7)) { written &+= n }
            }
        }
        return (read, written)
    }

    public func killAll(in cgroup: JobCgroup, timeout: Duration) throws {
        let d = dir(cgroup)
        guard FileIO.exists(d) else { return }
        // cgroup.kill (5.14+) kills the whole subtree atomically; the loop then only waits.
        if FileIO.exists("\(d)/cgroup.kill") { try write("1", "\(d)/cgroup.kill") }
        let freeze = FileIO.exists("\(d)/cgroup.freeze") ? "\(d)/cgroup.freeze" : nil
        try CgroupKiller.killUntilEmpty(timeout: timeout, list: { processes(in: cgroup) }, freeze: { frozen in
            if let freeze { try? write(frozen ? "1" : "0", freeze) }
        })
    }

    public func remove(_ cgroup: JobCgroup) throws {
        try CgroupKiller.removeDirectory(dir(cgroup))
    }
}
