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
            try Self.writeHosts(own: nil, shortID: shortID, name: job.name, peers: [], to: hostsPath)
        case .bridge, .isolated:
            let cidr = network.cidr!
            let address = try networks.allocate(on: network, jobID: job.id, jobName: Self.hostName(job.name) ?? "")
            spec.network = .bridge(bridge: network.bridge, address: address, prefix: cidr.prefix, gateway: cidr.gateway,
                                   isolated: network.kind == .isolated)
            try runner.prepareJobDirectory(spec)  // as the runner makes it (a spare, when there is one)
            // `isolated` jobs cannot reach one another: they get no peers.
            let peers = network.kind == .isolated ? [] : try networks.peers(on: network.name).filter { $0.jobID != job.id }
            try hostsFiles.withLock { _ in
                try Self.writeHosts(own: address, shortID: shortID, name: job.name, peers: peers, to: hostsPath)
            }
            // Jobs already on the network learn the new one's name (their file is rewritten in
            // place: the inode bind-mounted at their /etc/hosts stays the same).
            if network.kind == .bridge, Self.hostName(job.name) != nil {
                let all = try networks.peers(on: network.name)
                hostsFiles.withLock { _ in
                    for peer in peers {
                        let path = jobsDirectory.appendingPathComponent(peer.jobID).path + "/hosts"
                        guard FileManager.default.fileExists(atPath: path) else { continue }
                        try? Self.writeHosts(own: peer.address, shortID: String(peer.jobID.prefix(8)), name: peer.jobName,
                                             peers: all.filter { $0.jobID != peer.jobID }, to: path)
                    }
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

    /// A job name usable as a host name, or nil.
    static func hostName(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 63,
              name.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46 })
        else { return nil }
        return name
    }

    /// Rewritten in place (O_TRUNC on the same inode), never replaced.
    static func writeHosts(own: UInt32?, shortID: String, name: String, peers: [NetworkAllocation], to path: String) throws {
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        let ownNames = ([shortID] + [hostName(name)].compactMap { $0 }).joined(separator: " ")
        if let own { text += "\(IPv4CIDR.format(own))\t\(ownNames)\n" } else { text += "127.0.1.1\t\(ownNames)\n" }
        for peer in peers {
            let names = ([hostName(peer.jobName)].compactMap { $0 } + [String(peer.jobID.prefix(8))]).joined(separator: " ")
            text += "\(IPv4CIDR.format(peer.address))\t\(names)\n"
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw LinuxError("open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw LinuxError("write", path: path, errno: errno)
        }
        fchmod(fd, 0o644)
    }
}
