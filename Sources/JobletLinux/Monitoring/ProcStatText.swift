/// Jiffies a CPU spent in each state: one line of /proc/stat ("cpu" or "cpuN").
public struct CPUTicks: Sendable, Equatable {
    public var user: UInt64 = 0, nice: UInt64 = 0, system: UInt64 = 0, idle: UInt64 = 0
    public var iowait: UInt64 = 0, irq: UInt64 = 0, softirq: UInt64 = 0, steal: UInt64 = 0

    /// guest and guest_nice are already counted in user and nice.
    public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }
    public var idleAll: UInt64 { idle &+ iowait }
}

/// The parts of /proc/stat monitoring reads.
public struct ProcStatText: Sendable, Equatable {
    public var total = CPUTicks()
    public var perCore: [CPUTicks] = []
    /// Seconds since the epoch at boot ("btime").
    public var bootTime: Int64 = 0
    public var processesRunning = 0
    public var processesBlocked = 0

    public static func parse(_ text: String) -> ProcStatText {
        var r = ProcStatText()
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let key = f.first else { continue }
            if key.hasPrefix("cpu") {
                let n = f.dropFirst().map { UInt64($0) ?? 0 }
                guard n.count >= 4 else { continue }
                func at(_ i: Int) -> UInt64 { i < n.count ? n[n.startIndex + i] : 0 }
                let t = CPUTicks(user: at(0), nice: at(1), system: at(2), idle: at(3), iowait: at(4), irq: at(5),
                                 softirq: at(6), steal: at(7))
                if key == "cpu" { r.total = t } else { r.perCore.append(t) }
            } else if f.count >= 2 {
                switch key {
                case "btime": r.bootTime = Int64(f[1]) ?? 0
                case "procs_running": r.processesRunning = Int(f[1]) ?? 0
                case "procs_blocked": r.processesBlocked = Int(f[1]) ?? 0
                default: break
                }
            }
        }
        return r
    }

    /// Busy share (0-100) of `now` since `before`; with no previous sample, since boot.
    static func usage(_ now: CPUTicks, since before: CPUTicks?) -> Double {
        let b = before ?? CPUTicks()
        let total = now.total &- b.total, idle = now.idleAll &- b.idleAll
        guard total > 0, total < UInt64.max / 2 else { return 0 }
        return Double(total - min(idle, total)) * 100 / Double(total)
    }
}
