import CJobletLinux
import Foundation
import Glibc
import JobletCore

/// Bridges through rtnetlink, and one nftables table (`ip jobletd`) holding every network's NAT
/// and the drops between networks, replaced whole (atomically, by `nft -f`) at each create,
/// remove and start. Stateless; the registry serializes calls.
public struct LinuxNetworkHost: NetworkHost {
    /// The nft executable (Debian's nftables package).
    let nft: String
    let log: @Sendable (String) -> Void
    let claims = AddressClaims()
    /// Before a network's bridge is deleted: the local backend closes the namespaces it kept for
    /// that network (RecycledNamespaces), whose veths are on the bridge.
    let willRemoveBridge: @Sendable (String) -> Void

    public init(nft: String = "/usr/sbin/nft", log: @escaping @Sendable (String) -> Void = { _ in },
                willRemoveBridge: @escaping @Sendable (String) -> Void = { _ in }) {
        self.nft = nft
        self.log = log
        self.willRemoveBridge = willRemoveBridge
    }

    public func establish(_ networks: [JobNetwork]) throws {
        let bridged = networks.filter { !$0.bridge.isEmpty && $0.cidr != nil }
        for network in bridged {
            let cidr = network.cidr!
            var rc = CJobletLinux_net_bridge_add(network.bridge)
            if rc == 0 {
                let index = CJobletLinux_net_link_index(network.bridge)
                rc = index < 0 ? index : CJobletLinux_net_address_add(index, cidr.gateway.bigEndian, Int32(cidr.prefix))
            }
            guard rc == 0 else {
                throw LocalJobError.spawnFailed("bridge \(network.bridge) for network \(network.name): \(LinuxError.message(for: -rc))")
            }
        }
        if !bridged.isEmpty {
            // Jobs' traffic is routed out through the host.
            try "1\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8)
        }
        try applyRules(Self.ruleset(Self.including(bridgeRoutes(), in: bridged)))
    }

    /// Connected routes of jobletd bridges on this host (`jb-*`, `joblet*`): bridge name and CIDR.
    func bridgeRoutes() -> [(bridge: String, cidr: IPv4CIDR)] {
        guard let text = try? FileIO.read("/proc/net/route") else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard f.count >= 8, f[0].hasPrefix("jb-") || f[0].hasPrefix("joblet"), f[2] == "00000000",
                  let dest = UInt32(f[1], radix: 16), let mask = UInt32(f[7], radix: 16), mask != 0 else { return nil }
            return (f[0], IPv4CIDR(base: dest.byteSwapped, prefix: mask.nonzeroBitCount))
        }
    }

    /// `networks` plus the bridges of other jobletd servers on this host (the table is the host's:
    /// reloading it must not drop their NAT and isolation rules).
    static func including(_ routes: [(bridge: String, cidr: IPv4CIDR)], in networks: [JobNetwork]) -> [JobNetwork] {
        var all = networks
        for route in routes where !all.contains(where: { $0.bridge == route.bridge }) {
            all.append(JobNetwork(name: route.bridge, kind: .bridge, cidr: route.cidr, bridge: route.bridge, builtIn: false))
        }
        return all
    }

    public func removeBridge(of network: JobNetwork) throws {
        guard !network.bridge.isEmpty else { return }
        willRemoveBridge(network.bridge)
        let rc = CJobletLinux_net_link_delete(network.bridge)
        guard rc == 0 else { throw LocalJobError.spawnFailed("removing bridge \(network.bridge): \(LinuxError.message(for: -rc))") }
    }

    public func hostRoutes() -> [IPv4CIDR] {
        guard let text = try? FileIO.read("/proc/net/route") else { return [] }  // to EOF (Foundation stops at 4 KiB)
        let lines: [Substring] = Array(text.split(separator: "\n").dropFirst())
        return lines.compactMap { line -> IPv4CIDR? in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard f.count >= 8, !f[0].hasPrefix("jb-"), !f[0].hasPrefix("joblet"),
                  let dest = UInt32(f[1], radix: 16), let mask = UInt32(f[7], radix: 16), mask != 0 else { return nil }
            // /proc/net/route prints the kernel's network-order words as little-endian hex.
            return IPv4CIDR(base: dest.byteSwapped, prefix: mask.nonzeroBitCount)
        }
    }

    public func claim(address: UInt32, on network: JobNetwork, jobID: String) -> Bool {
        claims.claim(address: address, on: network, jobID: jobID)
    }

    public func unclaim(address: UInt32, on network: JobNetwork, jobID: String) {
        claims.unclaim(address: address, on: network, jobID: jobID)
    }

    /// The whole table: masquerade what leaves a network for elsewhere; drop traffic from one
    /// network's bridge to another's.
    static func ruleset(_ networks: [JobNetwork]) -> String {
        var nat: [String] = [], forward: [String] = []
        let bridges = networks.map(\.bridge)
        for n in networks {
            nat.append("    ip saddr \(n.cidr!) oifname != \"\(n.bridge)\" masquerade")
            let others = bridges.filter { $0 != n.bridge }.map { "\"\($0)\"" }
            if !others.isEmpty { forward.append("    iifname \"\(n.bridge)\" oifname { \(others.joined(separator: ", ")) } drop") }
        }
        return """
            table ip jobletd
            delete table ip jobletd
            table ip jobletd {
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
            \(nat.joined(separator: "\n"))
              }
              chain forward {
                type filter hook forward priority filter; policy accept;
            \(forward.joined(separator: "\n"))
              }
            }

            """
    }

    private func applyRules(_ rules: String) throws {
        guard FileManager.default.isExecutableFile(atPath: nft) else {
            throw LocalJobError.spawnFailed("\(nft) not found: job networks need nftables (apt-get install nftables)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nft)
        process.arguments = ["-f", "-"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(rules.utf8))
        try input.fileHandleForWriting.close()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LocalJobError.spawnFailed("nft -f (the jobletd table): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
