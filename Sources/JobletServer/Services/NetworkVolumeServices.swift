import Foundation
import JobletAPI
import JobletCore
import RPC

/// `joblet.NetworkService` and `joblet.VolumeService` (issue 15): thin translations onto the
/// registries. Their work (bridges, nft, mkfs, mounts) blocks, so it runs on a Dispatch thread,
/// not on the cooperative pool that also runs RPC handlers.
public struct NetworkVolumeServices: Sendable {
    let networks: NetworkRegistry
    let volumes: VolumeRegistry

    public init(networks: NetworkRegistry, volumes: VolumeRegistry) {
        self.networks = networks
        self.volumes = volumes
    }

    static func blocking<T: Sendable>(_ what: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await JobService.translating {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result {
                        do { return try body() } catch let e as JobletError { throw e } catch {
                            throw JobletError.internal("\(what): \(error)")
                        }
                    })
                }
            }
        }
    }

    public func register(on router: RPCRouter) {
        let networks = self.networks, volumes = self.volumes
        let n = Joblet_NetworkService.Method.self
        router.unary(n.createNetwork, Joblet_CreateNetworkReq.self) { req, _ in
            try await Self.blocking("creating network \(req.name)") {
                let network = try networks.create(name: req.name, cidr: req.cidr)
                var r = Joblet_CreateNetworkRes()
                r.name = network.name
                r.cidr = network.cidr?.description ?? ""
                r.bridge = network.bridge
                return r
            }
        }
        router.unary(n.listNetworks, Joblet_EmptyRequest.self) { _, _ in
            try await Self.blocking("listing networks") {
                var r = Joblet_Networks()
                r.networks = try networks.all().map { network in
                    var m = Joblet_Network()
                    m.name = network.name
                    m.cidr = network.cidr?.description ?? ""
                    m.bridge = network.bridge
                    m.jobCount = Int32(clamping: (try? networks.jobCount(of: network)) ?? 0)
                    return m
                }
                return r
            }
        }
        router.unary(n.removeNetwork, Joblet_RemoveNetworkReq.self) { req, _ in
            try await Self.blocking("removing network \(req.name)") {
                try networks.remove(name: req.name)
                var r = Joblet_RemoveNetworkRes()
                r.success = true
                r.message = "network \(req.name) removed"
                return r
            }
        }
        let v = Joblet_VolumeService.Method.self
        router.unary(v.createVolume, Joblet_CreateVolumeReq.self) { req, _ in
            try await Self.blocking("creating volume \(req.name)") {
                let (volume, path) = try volumes.create(name: req.name, size: req.size, type: req.type)
                var r = Joblet_CreateVolumeRes()
                r.name = volume.name
                r.size = VolumeSize.format(volume.sizeBytes)
                r.type = volume.kind.rawValue
                r.path = path
                return r
            }
        }
        router.unary(v.listVolumes, Joblet_EmptyRequest.self) { _, _ in
            try await Self.blocking("listing volumes") {
                var r = Joblet_Volumes()
                r.volumes = try volumes.list().map { listed in
                    var m = Joblet_Volume()
                    m.name = listed.volume.name
                    m.size = VolumeSize.format(listed.volume.sizeBytes)
                    m.type = listed.volume.kind.rawValue
                    m.path = listed.path
                    m.createdTime = RFC3339.format(listed.volume.createdAt)
                    m.jobCount = Int32(clamping: listed.jobCount)
                    m.sizeBytes = listed.volume.sizeBytes
                    m.usedBytes = listed.usedBytes ?? 0
                    return m
                }
                return r
            }
        }
        router.unary(v.removeVolume, Joblet_RemoveVolumeReq.self) { req, _ in
            try await Self.blocking("removing volume \(req.name)") {
                try volumes.remove(name: req.name)
                var r = Joblet_RemoveVolumeRes()
                r.success = true
                r.message = "volume \(req.name) removed"
                return r
            }
        }
    }
}
