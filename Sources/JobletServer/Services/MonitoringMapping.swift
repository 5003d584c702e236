import Foundation
import JobletAPI
import JobletCore
import JobletLinux

/// Monitoring snapshots ⇄ proto. Units as upstream Joblet: percentages 0-100, bytes, bytes/s.
enum MonitoringMapping {
    static func status(_ s: SystemSnapshot, nodeID: String) -> Joblet_SystemStatusRes {
        var r = Joblet_SystemStatusRes()
        r.timestamp = RFC3339.format(s.time)
        r.available = true
        r.host = host(s.host, nodeID: nodeID)
        r.cpu = cpu(s.cpu)
        r.memory = memory(s.memory)
        r.disks = s.disks.map(disk)
        r.networks = s.networks.map(network)
        r.io = io(s.io)
        r.processes = processes(s.processes)
        r.cloud = cloud(s.cloud)
        r.serverVersion = serverVersion()
        return r
    }

    /// Sections left out of the request's metricTypes stay unset.
    static func metrics(_ s: SystemSnapshot, nodeID: String, sections: MetricSections = .all) -> Joblet_SystemMetricsRes {
        var r = Joblet_SystemMetricsRes()
        r.timestamp = RFC3339.format(s.time)
        r.host = host(s.host, nodeID: nodeID)
        if sections.contains(.cpu) { r.cpu = cpu(s.cpu) }
        if sections.contains(.memory) { r.memory = memory(s.memory) }
        if sections.contains(.disk) { r.disks = s.disks.map(disk) }
        if sections.contains(.network) { r.networks = s.networks.map(network) }
        if sections.contains(.io) { r.io = io(s.io) }
        if sections.contains(.process) { r.processes = processes(s.processes) }
        if sections.contains(.cloud) { r.cloud = cloud(s.cloud) }
        return r
    }

    static func host(_ h: HostSnapshot, nodeID: String) -> Joblet_HostInfo {
        var r = Joblet_HostInfo()
        r.hostname = h.hostname
        r.os = h.os
        r.platform = h.platform
        r.platformFamily = h.platformFamily
        r.platformVersion = h.platformVersion
        r.kernelVersion = h.kernelVersion
        r.kernelArch = h.kernelArch
        r.architecture = h.architecture
        r.cpuCount = Int32(clamping: h.cpuCount)
        r.totalMemory = h.totalMemoryBytes
        r.bootTime = RFC3339.format(h.bootTime)
        r.uptime = h.uptimeSeconds
        r.nodeId = nodeID
        r.serverIPs = h.addresses
        r.macAddresses = h.macAddresses
        return r
    }

    static func cpu(_ c: CPUSnapshot) -> Joblet_CPUMetrics {
        var r = Joblet_CPUMetrics()
        r.cores = Int32(clamping: c.cores)
        r.usagePercent = c.usagePercent
        r.userTime = c.userPercent
        r.systemTime = c.systemPercent
        r.idleTime = c.idlePercent
        r.ioWaitTime = c.ioWaitPercent
        r.stealTime = c.stealPercent
        r.loadAverage = c.loadAverage
        r.perCoreUsage = c.perCoreUsagePercent
        return r
    }

    static func memory(_ m: MemorySnapshot) -> Joblet_MemoryMetrics {
        var r = Joblet_MemoryMetrics()
        r.totalBytes = m.totalBytes
        r.usedBytes = m.usedBytes
        r.freeBytes = m.freeBytes
        r.availableBytes = m.availableBytes
        r.usagePercent = m.usagePercent
        r.cachedBytes = m.cachedBytes
        r.bufferedBytes = m.bufferedBytes
        r.swapTotal = m.swapTotalBytes
        r.swapUsed = m.swapUsedBytes
        r.swapFree = m.swapFreeBytes
        return r
    }

    static func disk(_ d: DiskSnapshot) -> Joblet_DiskMetrics {
        var r = Joblet_DiskMetrics()
        r.device = d.device
        r.mountPoint = d.mountPoint
        r.filesystem = d.filesystem
        r.totalBytes = d.totalBytes
        r.usedBytes = d.usedBytes
        r.freeBytes = d.freeBytes
        r.usagePercent = d.usagePercent
        r.inodesTotal = d.inodesTotal
        r.inodesUsed = d.inodesUsed
        r.inodesFree = d.inodesFree
        r.inodesUsagePercent = d.inodesUsagePercent
        return r
    }

    static func network(_ n: NetworkSnapshot) -> Joblet_NetworkMetrics {
        var r = Joblet_NetworkMetrics()
        r.interface = n.interface
        r.bytesReceived = n.counters.bytesReceived
        r.bytesSent = n.counters.bytesSent
        r.packetsReceived = n.counters.packetsReceived
        r.packetsSent = n.counters.packetsSent
        r.errorsIn = n.counters.errorsIn
        r.errorsOut = n.counters.errorsOut
        r.dropsIn = n.counters.dropsIn
        r.dropsOut = n.counters.dropsOut
        r.receiveRate = n.receiveRate
        r.transmitRate = n.transmitRate
        return r
    }

    static func io(_ i: IOSnapshot) -> Joblet_IOMetrics {
        var r = Joblet_IOMetrics()
        r.totalReads = i.totalReads
        r.totalWrites = i.totalWrites
        r.readBytes = i.readBytes
        r.writeBytes = i.writeBytes
        r.readRate = i.readRate
        r.writeRate = i.writeRate
        r.diskIO = i.devices.map { d in
            var x = Joblet_DiskIOMetrics()
            x.device = d.counters.device
            x.readsCompleted = d.counters.readsCompleted
            x.writesCompleted = d.counters.writesCompleted
            x.readBytes = d.counters.readBytes
            x.writeBytes = d.counters.writeBytes
            x.readTime = d.counters.readTime
            x.writeTime = d.counters.writeTime
            x.ioTime = d.counters.ioTime
            x.utilization = d.utilizationPercent
            return x
        }
        return r
    }

    static func processes(_ p: ProcessesSnapshot) -> Joblet_ProcessMetrics {
        var r = Joblet_ProcessMetrics()
        r.totalProcesses = Int32(clamping: p.total)
        r.runningProcesses = Int32(clamping: p.running)
        r.sleepingProcesses = Int32(clamping: p.sleeping)
        r.stoppedProcesses = Int32(clamping: p.stopped)
        r.zombieProcesses = Int32(clamping: p.zombie)
        r.totalThreads = Int32(clamping: p.threads)
        r.topByCPU = p.topByCPU.map(process)
        r.topByMemory = p.topByMemory.map(process)
        return r
    }

    static func process(_ p: ProcessSnapshot) -> Joblet_ProcessInfo {
        var r = Joblet_ProcessInfo()
        r.pid = p.pid
        r.ppid = p.ppid
        r.name = p.name
        r.command = p.command
        r.cpuPercent = p.cpuPercent
        r.memoryPercent = p.memoryPercent
        r.memoryBytes = p.memoryBytes
        r.status = p.status
        r.startTime = RFC3339.format(p.startTime)
        r.user = p.user
        return r
    }

    static func cloud(_ c: CloudSnapshot) -> Joblet_CloudInfo {
        var r = Joblet_CloudInfo()
        r.provider = c.provider
        r.region = c.region
        r.zone = c.zone
        r.instanceID = c.instanceID
        r.instanceType = c.instanceType
        r.hypervisorType = c.hypervisor
        r.metadata = c.metadata
        return r
    }

    static func serverVersion() -> Joblet_ServerVersionInfo {
        var r = Joblet_ServerVersionInfo()
        r.version = ServerVersion.version
        r.gitCommit = ServerVersion.gitCommit
        r.buildDate = ServerVersion.buildDate
        r.component = ServerVersion.component
        // Upstream's field is named for Go; it carries the toolchain that built the server.
        r.goVersion = "swift \(ServerVersion.swiftVersion)"
        var u = utsname()
        if uname(&u) == 0 {
            let machine = withUnsafeBytes(of: u.machine) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            r.platform = "linux/\(machine)"
        }
        return r
    }

    static func jobSample(_ job: Job, _ reading: JobUsageTracker.Reading) -> Joblet_JobMetricsSample {
        var r = Joblet_JobMetricsSample()
        r.uuid = job.id
        r.timestamp = RFC3339.format(reading.usage.time)
        r.status = job.status.rawValue
        r.cpuSeconds = reading.usage.cpuSeconds
        r.cpuPercent = reading.cpuPercent
        r.memoryBytes = reading.usage.memoryBytes
        r.peakMemoryBytes = reading.usage.peakMemoryBytes
        r.ioReadBytes = reading.usage.ioReadBytes
        r.ioWriteBytes = reading.usage.ioWriteBytes
        r.pids = Int32(clamping: reading.usage.pids)
        r.cpuLimitPercent = Int32(clamping: job.limits.maxCPU)
        r.memoryLimitBytes = Int64(job.limits.maxMemoryMB) * 1024 * 1024
        r.final = reading.final
        return r
    }
}
