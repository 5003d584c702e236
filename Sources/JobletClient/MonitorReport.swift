import Foundation
import JobletAPI

/// `rnx monitor` and `rnx job metrics` as text: bars for shares, sizes in binary units.
public enum MonitorReport {
    /// `[#######-------------]` for 0-100 (clamped), `width` characters inside the brackets.
    public static func bar(_ percent: Double, width: Int = 20) -> String {
        let p = percent.isFinite ? min(100, max(0, percent)) : 0
        let filled = Int((p / 100 * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(n), unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    public static func rate(_ perSecond: Double) -> String { bytes(Int64(perSecond.rounded())) + "/s" }

    static func percent(_ p: Double) -> String { String(format: "%5.1f%%", p) }

    static func duration(_ seconds: Int64) -> String {
        let d = seconds / 86_400, h = seconds % 86_400 / 3600, m = seconds % 3600 / 60
        return d > 0 ? "\(d)d \(h)h" : (h > 0 ? "\(h)h \(m)m" : "\(m)m \(seconds % 60)s")
    }

    public static func status(_ s: Joblet_SystemStatusRes) -> String {
        var out = host(s.host)
        if let v = s.serverVersion {
            out += "Server     \(v.component) \(v.version) (commit \(v.gitCommit.prefix(12)), built \(v.buildDate), \(v.goVersion))\n"
        }
        out += body(cpu: s.cpu, memory: s.memory, disks: s.disks, networks: s.networks, io: s.io, processes: s.processes)
        if let c = s.cloud, !c.provider.isEmpty || !c.hypervisorType.isEmpty {
            out += "Cloud      \(c.provider.isEmpty ? "-" : c.provider)" + (c.hypervisorType.isEmpty ? "" : " (\(c.hypervisorType))")
                + (c.instanceType.isEmpty ? "" : " \(c.instanceType)") + "\n"
        }
        return out
    }

    public static func metrics(_ s: Joblet_SystemMetricsRes) -> String {
        "\(s.timestamp)\n" + host(s.host)
            + body(cpu: s.cpu, memory: s.memory, disks: s.disks, networks: s.networks, io: s.io, processes: s.processes)
    }

    static func host(_ h: Joblet_HostInfo?) -> String {
        guard let h else { return "" }
        return "Host       \(h.hostname) (\(h.platform) \(h.platformVersion), \(h.os) \(h.kernelVersion) \(h.kernelArch)), "
            + "\(h.cpuCount) CPUs, \(bytes(h.totalMemory)), up \(duration(h.uptime))\n"
            + "Node       \(h.nodeId)\n"
    }

    static func body(cpu: Joblet_CPUMetrics?, memory: Joblet_MemoryMetrics?, disks: [Joblet_DiskMetrics],
                     networks: [Joblet_NetworkMetrics], io: Joblet_IOMetrics?, processes: Joblet_ProcessMetrics?) -> String {
        var out = ""
        if let c = cpu {
            out += "CPU        \(bar(c.usagePercent)) \(percent(c.usagePercent))  user \(String(format: "%.1f", c.userTime))%"
                + "  system \(String(format: "%.1f", c.systemTime))%  iowait \(String(format: "%.1f", c.ioWaitTime))%"
                + "  load \(c.loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " "))\n"
            for (i, core) in c.perCoreUsage.enumerated() {
                out += "  core \(String(i).padding(toLength: 3, withPad: " ", startingAt: 0)) \(bar(core)) \(percent(core))\n"
            }
        }
        if let m = memory {
            out += "Memory     \(bar(m.usagePercent)) \(percent(m.usagePercent))  \(bytes(m.usedBytes)) of \(bytes(m.totalBytes))"
                + "  available \(bytes(m.availableBytes))  swap \(bytes(m.swapUsed)) of \(bytes(m.swapTotal))\n"
        }
        if !disks.isEmpty {
            out += "Disks\n"
            for d in disks {
                out += "  \(d.mountPoint.padding(toLength: 9, withPad: " ", startingAt: 0)) \(bar(d.usagePercent)) \(percent(d.usagePercent))"
                    + "  \(bytes(d.usedBytes)) of \(bytes(d.totalBytes))  \(d.filesystem) \(d.device)"
                    + "  inodes \(String(format: "%.0f", d.inodesUsagePercent))%\n"
            }
        }
        if !networks.isEmpty {
            out += "Network\n"
            for n in networks {
                out += "  \(n.interface.padding(toLength: 9, withPad: " ", startingAt: 0)) rx \(rate(n.receiveRate))  tx \(rate(n.transmitRate))"
                    + "  (total rx \(bytes(n.bytesReceived)), tx \(bytes(n.bytesSent)))\n"
            }
        }
        if let i = io {
            out += "Disk I/O   read \(rate(i.readRate))  write \(rate(i.writeRate))"
                + "  (total read \(bytes(i.readBytes)), written \(bytes(i.writeBytes)))\n"
        }
        if let p = processes {
            out += "Processes  \(p.totalProcesses) (\(p.runningProcesses) running, \(p.sleepingProcesses) sleeping, "
                + "\(p.stoppedProcesses) stopped, \(p.zombieProcesses) zombie), \(p.totalThreads) threads\n"
        }
        return out
    }

    public enum LiveView: Sendable { case top, summary }

    public static func render(_ s: Joblet_SystemMetricsRes, _ view: LiveView) -> String {
        view == .top ? top(s) : metrics(s)
    }

    /// `rnx monitor top`: the summary's first lines, then the processes using the most CPU.
    public static func top(_ s: Joblet_SystemMetricsRes) -> String {
        var out = "\(s.timestamp)  \(s.host?.hostname ?? "")\n"
        out += body(cpu: s.cpu.map { var c = $0; c.perCoreUsage = []; return c }, memory: s.memory, disks: [], networks: [],
                    io: nil, processes: s.processes)
        out += "\n" + processTable(s.processes?.topByCPU ?? [])
        return out
    }

    public static func processTable(_ rows: [Joblet_ProcessInfo]) -> String {
        var table = [["PID", "USER", "CPU%", "MEM%", "RSS", "STATUS", "COMMAND"]]
        for p in rows {
            let command = p.command.count > 60 ? String(p.command.prefix(57)) + "..." : p.command
            table.append(["\(p.pid)", p.user, String(format: "%.1f", p.cpuPercent), String(format: "%.1f", p.memoryPercent),
                          bytes(p.memoryBytes), p.status, command])
        }
        return JobTable.align(table)
    }

    /// One line per job sample (`rnx job metrics`).
    public static func jobSample(_ m: Joblet_JobMetricsSample) -> String {
        var line = "\(m.timestamp)  \(m.status)  cpu \(String(format: "%.1f", m.cpuPercent))%"
        if m.cpuLimitPercent > 0 { line += " (limit \(m.cpuLimitPercent)%)" }
        line += "  \(String(format: "%.2f", m.cpuSeconds)) cpu-s"
        if !m.final { line += "  memory \(bytes(m.memoryBytes))" }
        line += "  peak \(bytes(m.peakMemoryBytes))"
        if m.memoryLimitBytes > 0 { line += " (limit \(bytes(m.memoryLimitBytes)))" }
        line += "  io r \(bytes(m.ioReadBytes)) w \(bytes(m.ioWriteBytes))"
        if !m.final { line += "  pids \(m.pids)" }
        if m.final { line += "  (final totals)" }
        return line + "\n"
    }

    /// `rnx status`'s usage lines.
    public static func usageLines(_ m: Joblet_JobMetricsSample?) -> [(String, String)] {
        guard let m else { return [] }
        var lines = [("CPU Used", String(format: "%.2f s", m.cpuSeconds) + (m.final ? "" : String(format: " (now %.1f%%)", m.cpuPercent))),
                     ("Peak Memory", bytes(m.peakMemoryBytes))]
        if !m.final { lines.append(("Memory Now", bytes(m.memoryBytes))) }
        lines.append(("Disk I/O", "read \(bytes(m.ioReadBytes)), written \(bytes(m.ioWriteBytes))"))
        return lines
    }
}
