import Foundation
import Glibc
import JobletCore
import Synchronization

/// Held while /etc/hosts files are written: two jobs starting at once on one network would
/// otherwise rewrite a peer's file at the same time.
private let hostsFiles = Mutex(())

/// Networks and volumes of local jobs (issue 15): the namespace, address and /etc/hosts a job's
/// network gives it, and its volumes' bind mounts.
extension LocalBackend {
    struct Registries: Sendable {
        var networks: NetworkRegistry?
        var volumes: VolumeRegistry?
    }

    /// Gives the backend the daemon's registries; until then, a job that names a network other
    /// than `host` or any volume is refused, and every job keeps the server's network.
    public func use(networks: NetworkRegistry, volumes: VolumeRegistry) {
        registries.withLock { $0 = Registries(networks: networks, volumes: volumes) }
    }

    /// After the volumes are mounted at start: warm inits made before see them too.
    public func renewWarmInits() { runner.renewWarmInits() }

    func networkAndVolumeRefusal(_ request: JobRequest) -> JobletError? {
        let r = registries.withLock { $0 }
        do {
            if let networks = r.networks {
                let network = try networks.network(forJob: request.network)
                if request.schedule.isEmpty { try networks.checkFreeAddress(on: network) }
            } else if !request.network.isEmpty && request.network != "host" {
                return .failedPrecondition("network '\(request.network)': this server runs without job networks")
            }
            if let volumes = r.volumes {
                _ = try volumes.mounts(for: request.volumes)
            } else if !request.volumes.isEmpty {
                return .failedPrecondition("volumes: this server runs without volumes")
            }
        } catch let error as JobletError {
            return error
        } catch {
            return .internal("checking the job's network and volumes: \(error)")
        }
        return nil
    }

    func attachNetworkAndVolumes(job: Job, request: JobRequest, to spec: inout JobLaunchSpec) throws {
        let r = registries.withLock { $0 }
        if let volumes = r.volumes {
            spec.mounts += try volumes.mounts(for: request.volumes).map { JobMount(source: $0.source, target: $0.target, readOnly: $0.readOnly) }
        }
        guard let networks = r.networks else { return }
        let network = try networks.network(forJob: request.network)
        let hostsPath = spec.jobDirectory + "/hosts"
        let shortID = spec.shortID
        switch network.kind {
        case .host:
            spec.network = .host
            return
        case .loopback:
            spec.network = .loopback
            try runner.prepareJobDirectory(spec)  // as the runner makes it (a spare, when there is one)
            try Self.writeHosts(own: nil, shortID: shortID, name: job.name, peers: [], to: hostsPath, create: true)
        case .bridge, .isolated:
            let cidr = network.cidr!
            let address = try networks.allocate(on: network, jobID: job.id, jobName: Self.hostName(job.name) ?? "")
            spec.network = .bridge(bridge: network.bridge, address: address, prefix: cidr.prefix, gateway: cidr.gateway,
                                   isolated: network.kind == .isolated)
            try runner.prepareJobDirectory(spec)  // as the runner makes it (a spare, when there is one)
            // `isolated` jobs cannot reach one another: they get no peers.
            try hostsFiles.withLock { _ in
                let peers = network.kind == .isolated ? [] : try networks.peers(on: network.name).filter { $0.jobID != job.id }
                try Self.writeHosts(own: address, shortID: shortID, name: job.name, peers: peers, to: hostsPath, create: true)
            }
            // Jobs already on the network learn the new one's name: their files are rewritten in
            // place (the inode bind-mounted at their /etc/hosts stays the same), off the launch path
            // and once per burst of launches (PeerHostsRefresh).
            if network.kind == .bridge, Self.hostName(job.name) != nil {
                let jobsDirectory = jobsDirectory
                peerHostsRefresh.schedule(jobsDirectory.path + "\u{0}" + network.name) {
                    Self.rewritePeerHosts(on: network.name, registry: networks, jobsDirectory: jobsDirectory)
                }
            }
        }
        spec.mounts.insert(JobMount(source: hostsPath, target: "/etc/hosts", readOnly: true), at: 0)
    }

    /// The namespaces kept for the next jobs on a network (RecycledNamespaces) are closed: the
    /// network's bridge is about to be removed.
    public func discardRecycledNamespaces(bridge: String) { runner.discardRecycledNamespaces(bridge: bridge) }

    func releaseNetwork(jobID: String) {
        registries.withLock { $0 }.networks?.release(jobID: jobID)
    }

    /// A job name usable as a host name, or nil. A name that reads as an IPv4 address in any of
    /// the forms resolvers accept ("123", "10.1", "0x7f.1") is not one: looking it up would give
    /// that address, never the job's.
    static func hostName(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 63,
              name.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46 })
        else { return nil }
        var address = in_addr()
        if inet_aton(name, &address) != 0 { return nil }
        return name
    }

    /// Every running job on `network` whose name can be looked up gets the current list of its
    /// peers (PeerHostsRefresh calls this, once per burst of launches).
    static func rewritePeerHosts(on network: String, registry: NetworkRegistry, jobsDirectory: URL) {
        hostsFiles.withLock { _ in
            guard let all = try? registry.peers(on: network) else { return }
            for peer in all {
                let path = jobsDirectory.appendingPathComponent(peer.jobID).path + "/hosts"
                try? writeHosts(own: peer.address, shortID: String(peer.jobID.prefix(8)), name: peer.jobName,
                                peers: all.filter { $0.jobID != peer.jobID }, to: path, create: false)
            }
        }
    }

    /// Rewritten in place, never replaced: the inode stays the one bind-mounted at the job's
    /// /etc/hosts. Written from offset 0 and cut to its length afterwards rather than opened
    /// with O_TRUNC: on ext4 a truncation to 0 makes the close write the blocks out at once
    /// (auto_da_alloc), a synchronous cost on every launch. Without `create` a missing file (a
    /// job whose directory is gone) is left missing.
    static func writeHosts(own: UInt32?, shortID: String, name: String, peers: [NetworkAllocation], to path: String,
                           create: Bool) throws {
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        let ownNames = ([shortID] + [hostName(name)].compactMap { $0 }).joined(separator: " ")
        if let own { text += "\(IPv4CIDR.format(own))\t\(ownNames)\n" } else { text += "127.0.1.1\t\(ownNames)\n" }
        for peer in peers {
            let names = ([hostName(peer.jobName)].compactMap { $0 } + [String(peer.jobID.prefix(8))]).joined(separator: " ")
            text += "\(IPv4CIDR.format(peer.address))\t\(names)\n"
        }
        try FileIO.writeInPlace(text, to: path, create: create, mode: 0o644)
    }
}

/// Coalesces the rewrites of peers' /etc/hosts files: the first launch of a burst on a network
/// schedules one rewrite of every peer's file a few milliseconds later, and launches until then
/// add nothing. Each file is then written once per burst instead of once per launch (with 32
/// jobs on a network, a launch used to rewrite 32 files on its own path).
private let peerHostsRefresh = PeerHostsRefresh()

final class PeerHostsRefresh: Sendable {
    private let pending = Mutex<Set<String>>([])
    private let queue = DispatchQueue(label: "jobletd.peer-hosts")

    /// `work` runs on a serial queue after `delay`, unless a run for `key` is already pending.
    func schedule(_ key: String, after delay: DispatchTimeInterval = .milliseconds(10), _ work: @escaping @Sendable () -> Void) {
        guard pending.withLock({ $0.insert(key).inserted }) else { return }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            self.pending.withLock { _ = $0.remove(key) }  // before the work: a launch during it schedules again
            work()
        }
    }
}
