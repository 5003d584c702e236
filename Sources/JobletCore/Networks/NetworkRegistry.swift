import Foundation

/// Job networks: the built-ins (`bridge`, `isolated`, `none`, `host`) and custom ones, stored in
/// SQLite with the address of every job on them, and made on the host by a `NetworkHost`.
/// Create and remove hold one lock (they rebuild rules); allocation is one SQLite transaction.
public final class NetworkRegistry: Sendable {
    public typealias Settings = NetworkSettings

    let store: JobStore
    public let host: any NetworkHost
    public let settings: Settings
    private let changes = LockedState(())

    public init(store: JobStore, host: any NetworkHost, settings: Settings = Settings()) {
        self.store = store
        self.host = host
        self.settings = settings
    }

    public var builtIns: [JobNetwork] {
        [JobNetwork(name: "bridge", kind: .bridge, cidr: settings.bridgeCIDR, bridge: "joblet0", builtIn: true),
         JobNetwork(name: "isolated", kind: .isolated, cidr: settings.isolatedCIDR, bridge: "joblet-iso", builtIn: true),
         JobNetwork(name: "none", kind: .loopback, cidr: nil, bridge: "", builtIn: true),
         JobNetwork(name: "host", kind: .host, cidr: nil, bridge: "", builtIn: true)]
    }

    /// Built-ins first, then custom networks oldest first.
    public func all() throws -> [JobNetwork] {
        builtIns + (try store.customNetworks().compactMap { row in
            guard let cidr = try? IPv4CIDR(parsing: row.cidr) else { return nil }
            return JobNetwork(name: row.name, kind: .bridge, cidr: cidr, bridge: row.bridge, builtIn: false)
        })
    }

    /// The network a job joins: its request's, or the default. INVALID_ARGUMENT names the
    /// networks there are when it does not exist.
    public func network(forJob requested: String) throws -> JobNetwork {
        let name = requested.isEmpty ? settings.defaultNetwork : requested
        // A built-in (most jobs) without reading the custom networks from the database.
        let networks = try builtIns.contains(where: { $0.name == name }) ? builtIns : all()
        guard let network = networks.first(where: { $0.name == name }) else {
            throw JobletError.invalidArgument("network '\(name)' does not exist; networks: \(networks.map(\.name).joined(separator: ", ")) (create one with `rnx network create \(name) --cidr 10.10.0.0/24`)")
        }
        if network.kind == .host && !settings.allowHostNetwork {
            throw JobletError.permissionDenied("network 'host' is turned off on this server (jobs.allowHostNetwork: false); use bridge, isolated, none or a custom network")
        }
        return network
    }

    public func create(name: String, cidr text: String) throws -> JobNetwork {
        try JobNetwork.checkCustomName(name)
        let cidr = try IPv4CIDR(parsing: text)
        return try changes.withLock { _ in
            let existing = try all()
            if existing.contains(where: { $0.name == name }) {
                throw JobletError.alreadyExists("network already exists: \(name)")
            }
            if let clash = existing.first(where: { $0.cidr.map(cidr.overlaps) ?? false }) {
                throw JobletError.invalidArgument("CIDR \(cidr) overlaps network '\(clash.name)' (\(clash.cidr!)); choose a range outside it")
            }
            if let route = host.hostRoutes().first(where: cidr.overlaps) {
                throw JobletError.invalidArgument("CIDR \(cidr) overlaps this host's route to \(route); choose a range outside it")
            }
            let network = JobNetwork(name: name, kind: .bridge, cidr: cidr, bridge: JobNetwork.bridgeName(forCustom: name), builtIn: false)
            try store.insertNetwork(name: name, cidr: cidr.description, bridge: network.bridge)
            do {
                try host.establish(existing + [network])
            } catch {
                try? store.deleteNetwork(name: name)
                try? host.removeBridge(of: network)
                try? host.establish(existing)
                throw JobletError.internal("creating network \(name): \(error)")
            }
            return network
        }
    }

    public func remove(name: String) throws {
        try changes.withLock { _ in
            let networks = try all()
            guard let network = networks.first(where: { $0.name == name }) else {
                throw JobletError.notFound("network not found: \(name)")
            }
            guard !network.builtIn else {
                throw JobletError.failedPrecondition("network '\(name)' is built in and cannot be removed")
            }
            let users = try jobCount(of: network)
            guard users == 0 else {
                throw JobletError.failedPrecondition("network '\(name)' is used by \(users) job(s); stop them first")
            }
            try store.deleteNetwork(name: name)
            try host.removeBridge(of: network)
            try host.establish(networks.filter { $0.name != name })
        }
    }

    /// Jobs holding an address on the network, and not-final jobs that name it (scheduled ones).
    public func jobCount(of network: JobNetwork) throws -> Int {
        var ids = Set(try store.allocations(network: network.name).map(\.jobID))
        for job in try store.nonFinalJobs() where job.network == network.name { ids.insert(job.id) }
        return ids.count
    }

    /// Bridges and rules for every stored network, and addresses of ended jobs freed. At start.
    public func establishAtStart() throws {
        try store.releaseAddressesOfEndedJobs()
        try host.establish(all())
    }

    /// An address for the job on `network`, stored and claimed host-wide; RESOURCE_EXHAUSTED when
    /// every address is taken.
    public func allocate(on network: JobNetwork, jobID: String, jobName: String) throws -> UInt32 {
        guard let cidr = network.cidr else { throw JobletError.internal("network \(network.name) has no addresses") }
        var heldElsewhere: Set<UInt32> = []
        // Bounded: each round skips one more address another server holds.
        for _ in 0..<64 {
            guard let address = try store.allocateAddress(network: network.name, cidr: cidr, jobID: jobID, jobName: jobName,
                                                          excluding: heldElsewhere) else { break }
            if host.claim(address: address, on: network, jobID: jobID) { return address }
            heldElsewhere.insert(address)
        }
        try? store.releaseAddress(jobID: jobID)
        throw JobletError.resourceExhausted("network '\(network.name)' (\(cidr)) has no free address: every one of its \(cidr.jobAddresses.count) is held by a running job")
    }

    /// RESOURCE_EXHAUSTED when every job address of the network is held (checked at RunJob, so
    /// that the client hears it; `allocate` decides for good).
    public func checkFreeAddress(on network: JobNetwork) throws {
        guard let cidr = network.cidr else { return }
        if try store.allocationCount(network: network.name) >= cidr.jobAddresses.count {
            throw JobletError.resourceExhausted("network '\(network.name)' (\(cidr)) is full: all \(cidr.jobAddresses.count) of its addresses are held by running jobs")
        }
    }

    public func release(jobID: String) {
        if let held = try? store.allocation(jobID: jobID),
           let network = try? all().first(where: { $0.name == held.network }) {
            host.unclaim(address: held.address, on: network, jobID: jobID)
        }
        try? store.releaseAddress(jobID: jobID)
    }

    /// The jobs on a network with their addresses (for /etc/hosts).
    public func peers(on network: String) throws -> [NetworkAllocation] {
        try store.allocations(network: network)
    }
}
