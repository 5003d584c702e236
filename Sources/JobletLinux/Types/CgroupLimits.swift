/// Resource limits for one job's cgroup. nil (or 0) means "no limit" except `maxPids`.
public struct CgroupLimits: Sendable, Hashable, Codable {
    /// Percent of one core: 150 means one and a half cores.
    public var maxCPUPercent: Int?
    /// A cpuset list such as "0" or "0-1,3".
    public var cpuCores: String?
    public var maxMemoryMB: Int?
    /// Bytes per second, read and write each, on the device backing the workspace.
    public var maxIOBPS: UInt64?
    public var maxPids: Int

    public static let defaultMaxPids = 1024

    public init(maxCPUPercent: Int? = nil, cpuCores: String? = nil, maxMemoryMB: Int? = nil,
                maxIOBPS: UInt64? = nil, maxPids: Int = CgroupLimits.defaultMaxPids) {
        self.maxCPUPercent = maxCPUPercent
        self.cpuCores = cpuCores
        self.maxMemoryMB = maxMemoryMB
        self.maxIOBPS = maxIOBPS
        self.maxPids = maxPids
    }
}
