import Glibc

/// This process's resident memory, open descriptors and threads, from /proc/self.
public struct SelfProcessStats: Sendable {
    public var residentBytes: Int64 = 0
    public var openFDs = 0
    public var threads = 0
    public var cpuSeconds = 0.0
    public var startTimeSeconds = 0.0

    public static func read(fs: ProcFS = ProcFS()) -> SelfProcessStats {
        var r = SelfProcessStats()
        if let text = fs.proc("self/stat"), let p = ProcessStatText.parse(Substring(text)) {
            r.residentBytes = p.rssPages * SystemSampler.pageSize
            r.threads = p.threads
            r.cpuSeconds = Double(p.cpuTicks) / SystemSampler.clockTicks
            let boot = ProcStatText.parse(fs.proc("stat") ?? "").bootTime
            r.startTimeSeconds = Double(boot) + Double(p.startTicks) / SystemSampler.clockTicks
        }
        r.openFDs = fs.list("\(fs.proc)/self/fd").count
        return r
    }
}
