import Foundation
import JobletAPI
import JobletCore
import RPC

/// `joblet.NetworkService` (issue 15): a thin translation onto `NetworkRegistry`.
public struct NetworkService: Sendable {
    let networks: NetworkRegistry

    public init(networks: NetworkRegistry) {
        self.networks = networks
    }

    public func register(on router: RPCRouter) {
        let networks = self.networks
        let n = Joblet_NetworkService.Method.self
        router.unary(n.createNetwork, Joblet_CreateNetworkReq.self) { req, _ in
            try await BlockingCall.run("creating network \(req.name)") {
                let network = try networks.create(name: req.name, cidr: req.cidr)
                var r = Joblet_CreateNetworkRes()
                r.name = network.name
                r.cidr = network.cidr?.description ?? ""
                r.bridge = network.bridge
                return r
            }
        }
        router.unary(n.listNetworks, Joblet_EmptyRequest.self) { _, _ in
            try await BlockingCall.run("listing networks") {
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
            try await BlockingCall.run("removing network \(req.name)") {
                try networks.remove(name: req.name)
                var r = Joblet_RemoveNetworkRes()
                r.success = true
                r.message = "network \(req.name) removed"
                return r
            }
        }
    }
}
