/// What the host does for networks (JobletLinux's `LinuxNetworkHost`): bridges and the rules
/// between them. Called at network create/remove and at start, never per job.
public protocol NetworkHost: Sendable {
    /// Makes (or keeps) the bridges of `networks` with their gateways, and replaces the NAT and
    /// isolation rules with those for exactly these networks. Idempotent.
    func establish(_ networks: [JobNetwork]) throws
    /// Removes one network's bridge (its rules go with the next `establish`).
    func removeBridge(of network: JobNetwork) throws
    /// Routes on the host other than our own bridges' (a new network must not overlap them).
    func hostRoutes() -> [IPv4CIDR]
    /// Claims a job's address host-wide: another jobletd on this host may hand out addresses of
    /// the same bridge from its own database. False when another job holds it.
    func claim(address: UInt32, on network: JobNetwork, jobID: String) -> Bool
    /// Gives up the job's claim (only its own).
    func unclaim(address: UInt32, on network: JobNetwork, jobID: String)
}
