/// The network a job's init gets (issue 15).
public enum JobNetworkSetup: Sendable, Equatable {
    /// The server's own network namespace.
    case host
    /// A namespace of its own with only `lo`.
    case loopback
    /// A namespace with `lo` and `eth0`, the peer of a veth whose host end joins `bridge`;
    /// addresses in host byte order. `isolated`: the bridge port reaches no other job's port.
    case bridge(bridge: String, address: UInt32, prefix: Int, gateway: UInt32, isolated: Bool)

    var newNamespace: Bool { self != .host }
}
