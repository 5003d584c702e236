/// Resource limits of one job. In a request, 0 (or "") means "use the configured default";
/// in a stored job the defaults have been applied.
public struct ResourceLimits: Sendable, Hashable, Codable {
    /// CPU time in percent of one core (150 = one and a half cores); 0 = default.
    public var maxCPU: Int
    /// cpuset list such as "0-1,3"; "" = any core.
    public var cpuCores: String
    /// Memory limit in MiB; 0 = default.
    public var maxMemoryMB: Int
    /// Block I/O limit in bytes per second; 0 = unlimited.
    public var maxIOBPS: Int
    /// Maximum number of processes and threads; 0 = unlimited.
    public var maxPIDs: Int

    public init(maxCPU: Int = 0, cpuCores: String = "", maxMemoryMB: Int = 0, maxIOBPS: Int = 0, maxPIDs: Int = 0) {
        self.maxCPU = maxCPU
        self.cpuCores = cpuCores
        self.maxMemoryMB = maxMemoryMB
        self.maxIOBPS = maxIOBPS
        self.maxPIDs = maxPIDs
    }

    /// 100 % of one core, 512 MiB, unlimited I/O and pids.
    public static let standardDefaults = ResourceLimits(maxCPU: 100, maxMemoryMB: 512)

    /// These limits with every unset (zero or empty) field taken from `defaults`.
    public func filled(from defaults: ResourceLimits) -> ResourceLimits {
        ResourceLimits(
            maxCPU: maxCPU == 0 ? defaults.maxCPU : maxCPU,
            cpuCores: cpuCores.isEmpty ? defaults.cpuCores : cpuCores,
            maxMemoryMB: maxMemoryMB == 0 ? defaults.maxMemoryMB : maxMemoryMB,
            maxIOBPS: maxIOBPS == 0 ? defaults.maxIOBPS : maxIOBPS,
            maxPIDs: maxPIDs == 0 ? defaults.maxPIDs : maxPIDs)
    }
}
