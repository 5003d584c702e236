/// The built-in networks' ranges and the defaults (`jobs.*` in the config file); a file of its own
/// so that the config reader (and its fuzz target) need nothing of the registry.
public struct NetworkSettings: Sendable, Equatable {
    /// The default `bridge` network's range and bridge.
    public var bridgeCIDR = IPv4CIDR(base: 0xAC14_0000, prefix: 16)  // 172.20.0.0/16
    public var isolatedCIDR = IPv4CIDR(base: 0xAC15_0000, prefix: 16)  // 172.21.0.0/16
    /// A job whose request names no network joins this one (`jobs.defaultNetwork`).
    public var defaultNetwork = "bridge"
    /// Whether jobs may ask for `host` (`jobs.allowHostNetwork`).
    public var allowHostNetwork = true
    public init() {}
}
