import Foundation
import JobletCore

/// A running local job's usage, read from its cgroup when asked.
extension LocalBackend: JobUsageSource {
    public func usage(of job: Job) -> JobUsage? {
        guard job.backend == name, !job.status.isFinal, let handle = Self.handle(of: job) else { return nil }
        let u = runner.cgroups.usage(of: handle.cgroup)
        guard u.cpuNanoseconds != nil || u.memoryBytes != nil else { return nil }  // no cgroup (any more)
        return Self.jobUsage(u)
    }

    static func jobUsage(_ u: JobResourceUsage, time: Date = Date()) -> JobUsage {
        JobUsage(time: time, cpuSeconds: Double(u.cpuNanoseconds ?? 0) / 1e9,
                 memoryBytes: Int64(clamping: u.memoryBytes ?? 0),
                 peakMemoryBytes: Int64(clamping: max(u.peakMemoryBytes ?? 0, u.memoryBytes ?? 0)),
                 ioReadBytes: Int64(clamping: u.ioReadBytes ?? 0), ioWriteBytes: Int64(clamping: u.ioWriteBytes ?? 0),
                 pids: Int(clamping: u.pids ?? 0))
    }
}

extension LocalBackend: JobQuickUsageSource {
    /// Two preads by the job's id (a local job's cgroup is always `joblet/<id>`), on counter files
    /// kept open between scrapes.
    public func cpuAndMemory(ofJob id: String, backend: String) -> (cpuSeconds: Double, memoryBytes: Int64)? {
        guard backend == name else { return nil }
        let cgroups = runner.cgroups
        // The id is checked (and the paths made) only when the job's files are first opened.
        let (cpu, memory) = counters.read(id: id) {
            (try? type(of: cgroups).cgroup(forJobID: id)).map { cgroups.counterFiles(of: $0) }
                ?? CgroupCounterFiles(cpu: nil, cpuKey: nil, cpuScale: 1, memory: nil)
        }
        guard cpu != nil || memory != nil else { return nil }
        return (Double(cpu ?? 0) / 1e9, Int64(clamping: memory ?? 0))
    }

    public func keepCountersOnly(for ids: Set<String>) { counters.keepOnly(ids) }
}
