import Foundation
import JobletCore
import JobletLinux
import Logging

extension JobletDaemon {
    /// The registries over the job database, and the local backend told of them.
    static func makeNetworksAndVolumes(configuration: DaemonConfiguration, store: JobStore, data: URL,
                                       backends: [any JobBackend], logger: Logger) -> (NetworkRegistry, VolumeRegistry) {
        let locals = backends.compactMap { $0 as? LocalBackend }
        let host = LinuxNetworkHost(log: { logger.info("\($0)") },
                                    willRemoveBridge: { bridge in locals.forEach { $0.discardRecycledNamespaces(bridge: bridge) } })
        let networks = NetworkRegistry(store: store, host: host, settings: configuration.networks)
        let volumes = VolumeRegistry(store: store, host: LinuxVolumeHost(directory: data.appendingPathComponent("volumes").path,
                                                                         becameShared: { locals.forEach { $0.renewWarmInits() } }))
        locals.forEach { $0.use(networks: networks, volumes: volumes) }
        return (networks, volumes)
    }

    /// Bridges, nft rules and volume mounts again (after a restart they are mostly there; after a
    /// reboot none are). Before the engine re-adopts jobs.
    func establishNetworksAndVolumes() throws {
        do {
            try networks.establishAtStart()
        } catch {
            throw ConfigurationError("setting up job networks (bridges, nftables rules): \(error)")
        }
        do {
            try volumes.mountAtStart()
        } catch {
            // Not fatal: the other volumes and every job without these work; a job naming one of
            // these is refused (VolumeRegistry.mounts).
            logger.error("some volumes could not be mounted: \(error)")
        }
    }
}
