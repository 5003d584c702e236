/// One job's cgroup: create, limit, place the first process, count, kill, remove.
/// Implemented for v1 hierarchies and the v2 unified tree; both take their root paths so tests
/// can point them at a fake directory tree.
public protocol CgroupController: Sendable {
    var summary: String { get }
    func create(jobID: String) throws -> JobCgroup
    /// Applies what it can; what cannot be applied on this host (I/O throttling on a virtual
    /// device) comes back in the report instead of failing the job.
    func apply(_ limits: CgroupLimits, to cgroup: JobCgroup, workspace: String) throws -> CgroupApplyReport
    func placement(for cgroup: JobCgroup) -> CgroupPlacement
    /// Whether /proc/<pid>/cgroup puts `pid` in `cgroup`.
    func contains(pid: Int32, in cgroup: JobCgroup) -> Bool
    func processes(in cgroup: JobCgroup) -> [Int32]
    func usage(of cgroup: JobCgroup) -> JobResourceUsage
    /// The files holding the job's CPU time and memory now (what /metrics reads for each running
    /// job), and how to read them.
    func counterFiles(of cgroup: JobCgroup) -> CgroupCounterFiles
    /// SIGKILLs everything in the cgroup and waits until it is empty.
    func killAll(in cgroup: JobCgroup, timeout: Duration) throws
    func remove(_ cgroup: JobCgroup) throws
    /// Pause/resume (training, issue 19): freezes or thaws every process in the cgroup and
    /// returns once the kernel reports it done (v1 freezer.state, v2 cgroup.freeze/cgroup.events).
    func setFrozen(_ frozen: Bool, _ cgroup: JobCgroup, timeout: Duration) throws
    /// Whether the cgroup is frozen now; nil when this host cannot tell (no freezer).
    func isFrozen(_ cgroup: JobCgroup) -> Bool?
}

/// A cgroup's CPU and memory counter files: each holds one number, or (cpu.stat) starts with
/// "`cpuKey` N"; `cpuScale` turns the CPU number into nanoseconds.
public struct CgroupCounterFiles: Sendable, Equatable {
    public var cpu: String?
    public var cpuKey: String?
    public var cpuScale: UInt64
    public var memory: String?
}

extension CgroupController {
    /// CPU nanoseconds and memory bytes now, two small reads.
    public func cpuAndMemory(of cgroup: JobCgroup) -> (cpuNanoseconds: UInt64?, memoryBytes: UInt64?) {
        let f = counterFiles(of: cgroup)
        return (f.cpu.flatMap { FileIO.readNumber($0, after: f.cpuKey) }.map { $0 &* f.cpuScale },
                f.memory.flatMap { FileIO.readNumber($0) })
    }
}

/// Where the spawned child puts itself (it writes "0" to cgroup.procs) before it execs the init.
public enum CgroupPlacement: Sendable, Equatable {
    /// v1: each of these cgroup.procs files, one per hierarchy.
    case procsFiles([String])
    /// v2: the job's cgroup directory (its cgroup.procs).
    case directory(String)
}

public struct CgroupApplyReport: Sendable, Equatable {
    public var warnings: [String] = []
    public init(warnings: [String] = []) { self.warnings = warnings }
}

extension CgroupController {
    /// Job ids become directory names: nothing that could walk out of `joblet/`.
    static func cgroup(forJobID jobID: String) throws -> JobCgroup {
        // Bytes, not Characters: /metrics calls this for every running job on each scrape.
        func allowed(_ b: UInt8) -> Bool {
            (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 45 || b == 95 || b == 46
        }
        let bytes = jobID.utf8
        guard !bytes.isEmpty, bytes.count <= 128, jobID != ".", jobID != "..", bytes.allSatisfy(allowed) else {
            throw LocalJobError.invalidSpec("job id \"\(jobID)\" must be 1-128 characters of letters, digits, '-', '_', '.'")
        }
        return JobCgroup(relativePath: "joblet/\(jobID)")
    }

    /// Reads a cgroup.procs file into pids.
    static func pids(inProcsFile path: String) -> [Int32] {
        guard let text = try? FileIO.read(path) else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    /// Does any line of /proc/<pid>/cgroup name this path (in any hierarchy, or "0::" on v2)?
    static func procCgroupLines(pid: Int32) -> [(controllers: [String], path: String)] {
        guard let text = try? FileIO.read("/proc/\(pid)/cgroup") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return (parts[1].split(separator: ",").map(String.init), String(parts[2]))
        }
    }
}
