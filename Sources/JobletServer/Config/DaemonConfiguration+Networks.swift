import JobletCore

extension DaemonConfiguration {
    /// `jobs.defaultNetwork` (bridge, isolated, none, host or a custom network's name; an unknown
    /// one is refused at RunJob), `jobs.allowHostNetwork`, `jobs.bridgeCIDR`, `jobs.isolatedCIDR`.
    mutating func applyNetworkSettings(_ j: ConfigFile.Jobs, path: String) throws {
        if let v = j.defaultNetwork {
            guard !v.isEmpty else { throw ConfigurationError("config \(path): jobs.defaultNetwork is empty; use bridge, isolated, none, host or a custom network") }
            networks.defaultNetwork = v
        }
        if let v = j.allowHostNetwork { networks.allowHostNetwork = v }
        for (key, text, isBridge) in [("jobs.bridgeCIDR", j.bridgeCIDR, true), ("jobs.isolatedCIDR", j.isolatedCIDR, false)] {
            guard let text else { continue }
            do {
                let cidr = try IPv4CIDR(parsing: text)
                if isBridge { networks.bridgeCIDR = cidr } else { networks.isolatedCIDR = cidr }
            } catch {
                throw ConfigurationError("config \(path): \(key): \(error.message)")
            }
        }
        if networks.bridgeCIDR.overlaps(networks.isolatedCIDR) {
            throw ConfigurationError("config \(path): jobs.bridgeCIDR \(networks.bridgeCIDR) overlaps jobs.isolatedCIDR \(networks.isolatedCIDR)")
        }
    }
}
