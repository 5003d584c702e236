import Foundation
import JobletAPI

/// `--json` for `rnx monitor` and `rnx job metrics`: one JSON object per sample (one line each
/// when streaming), field names as in the proto.
public enum MonitorJSON {
    public static func status(_ s: Joblet_SystemStatusRes) -> String {
        var d = body(timestamp: s.timestamp, host: s.host, cpu: s.cpu, memory: s.memory, disks: s.disks, networks: s.networks,
                     io: s.io, processes: s.processes)
        d["available"] = s.available
        if let v = s.serverVersion {
            d["serverVersion"] = ["version": v.version, "gitCommit": v.gitCommit, "buildDate": v.buildDate,
                                  "component": v.component, "toolchain": v.goVersion, "platform": v.platform]
        }
        if let c = s.cloud { d["cloud"] = ["provider": c.provider, "hypervisorType": c.hypervisorType, "instanceType": c.instanceType] }
        return encode(d)
    }

    public static func metrics(_ s: Joblet_SystemMetricsRes) -> String {
        encode(body(timestamp: s.timestamp, host: s.host, cpu: s.cpu, memory: s.memory, disks: s.disks, networks: s.networks,
                    io: s.io, processes: s.processes))
    }

    public static func jobSample(_ m: Joblet_JobMetricsSample) -> String {
        encode(["uuid": m.uuid, "timestamp": m.timestamp, "status": m.status, "cpuSeconds": m.cpuSeconds,
                "cpuPercent": m.cpuPercent, "memoryBytes": m.memoryBytes, "peakMemoryBytes": m.peakMemoryBytes,
                "ioReadBytes": m.ioReadBytes, "ioWriteBytes": m.ioWriteBytes, "pids": m.pids,
                "cpuLimitPercent": m.cpuLimitPercent, "memoryLimitBytes": m.memoryLimitBytes, "final": m.final])
    }

    static func body(timestamp: String, host: Joblet_HostInfo?, cpu: Joblet_CPUMetrics?, memory: Joblet_MemoryMetrics?,
                     disks: [Joblet_DiskMetrics], networks: [Joblet_NetworkMetrics], io: Joblet_IOMetrics?,
                     processes: Joblet_ProcessMetrics?) -> [String: Any] {
        var d: [String: Any] = ["timestamp": timestamp]
        if let h = host {
            d["host"] = ["hostname": h.hostname, "os": h.os, "platform": h.platform, "platformVersion": h.platformVersion,
                         "kernelVersion": h.kernelVersion, "kernelArch": h.kernelArch, "architecture": h.architecture,
                         "cpuCount": h.cpuCount, "totalMemory": h.totalMemory, "bootTime": h.bootTime, "uptime": h.uptime,
                         "nodeId": h.nodeId, "serverIPs": h.serverIPs, "macAddresses": h.macAddresses]
        }
        if let c = cpu {
            d["cpu"] = ["cores": c.cores, "usagePercent": c.usagePercent, "userTime": c.userTime, "systemTime": c.systemTime,
                        "idleTime": c.idleTime, "ioWaitTime": c.ioWaitTime, "stealTime": c.stealTime,
                        "loadAverage": c.loadAverage, "perCoreUsage": c.perCoreUsage]
        }
        if let m = memory {
            d["memory"] = ["totalBytes": m.totalBytes, "usedBytes": m.usedBytes, "freeBytes": m.freeBytes,
                           "availableBytes": m.availableBytes, "usagePercent": m.usagePercent, "cachedBytes": m.cachedBytes,
                           "bufferedBytes": m.bufferedBytes, "swapTotal": m.swapTotal, "swapUsed": m.swapUsed, "swapFree": m.swapFree]
        }
        d["disks"] = disks.map { x -> [String: Any] in
            ["device": x.device, "mountPoint": x.mountPoint, "filesystem": x.filesystem, "totalBytes": x.totalBytes,
             "usedBytes": x.usedBytes, "freeBytes": x.freeBytes, "usagePercent": x.usagePercent, "inodesTotal": x.inodesTotal,
             "inodesUsed": x.inodesUsed, "inodesFree": x.inodesFree, "inodesUsagePercent": x.inodesUsagePercent]
        }
        d["networks"] = networks.map { n -> [String: Any] in
            ["interface": n.interface, "bytesReceived": n.bytesReceived, "bytesSent": n.bytesSent,
             "packetsReceived": n.packetsReceived, "packetsSent": n.packetsSent, "errorsIn": n.errorsIn, "errorsOut": n.errorsOut,
             "dropsIn": n.dropsIn, "dropsOut": n.dropsOut, "receiveRate": n.receiveRate, "transmitRate": n.transmitRate]
        }
        if let i = io {
            d["io"] = ["totalReads": i.totalReads, "totalWrites": i.totalWrites, "readBytes": i.readBytes,
                       "writeBytes": i.writeBytes, "readRate": i.readRate, "writeRate": i.writeRate]
        }
        if let p = processes {
            func rows(_ list: [Joblet_ProcessInfo]) -> [[String: Any]] {
                list.map { ["pid": $0.pid, "ppid": $0.ppid, "name": $0.name, "command": $0.command, "cpuPercent": $0.cpuPercent,
                            "memoryPercent": $0.memoryPercent, "memoryBytes": $0.memoryBytes, "status": $0.status,
                            "startTime": $0.startTime, "user": $0.user] }
            }
            d["processes"] = ["totalProcesses": p.totalProcesses, "runningProcesses": p.runningProcesses,
                              "sleepingProcesses": p.sleepingProcesses, "stoppedProcesses": p.stoppedProcesses,
                              "zombieProcesses": p.zombieProcesses, "totalThreads": p.totalThreads,
                              "topByCPU": rows(p.topByCPU), "topByMemory": rows(p.topByMemory)]
        }
        return d
    }

    /// One line (compact), so a stream of samples is one JSON document per line.
    static func encode(_ value: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
