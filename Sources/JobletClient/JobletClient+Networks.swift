import JobletAPI

/// `joblet.NetworkService` and `joblet.VolumeService`.
extension JobletClient {
    public func createNetwork(name: String, cidr: String) async throws -> Joblet_CreateNetworkRes {
        var request = Joblet_CreateNetworkReq()
        request.name = name
        request.cidr = cidr
        return try await unary(Joblet_NetworkService.Method.createNetwork, request)
    }

    public func listNetworks() async throws -> [Joblet_Network] {
        let r: Joblet_Networks = try await unary(Joblet_NetworkService.Method.listNetworks, Joblet_EmptyRequest())
        return r.networks
    }

    public func removeNetwork(name: String) async throws -> Joblet_RemoveNetworkRes {
        var request = Joblet_RemoveNetworkReq()
        request.name = name
        return try await unary(Joblet_NetworkService.Method.removeNetwork, request)
    }

    public func createVolume(name: String, size: String, type: String) async throws -> Joblet_CreateVolumeRes {
        var request = Joblet_CreateVolumeReq()
        request.name = name
        request.size = size
        request.type = type
        return try await unary(Joblet_VolumeService.Method.createVolume, request)
    }

    public func listVolumes() async throws -> [Joblet_Volume] {
        let r: Joblet_Volumes = try await unary(Joblet_VolumeService.Method.listVolumes, Joblet_EmptyRequest())
        return r.volumes
    }

    public func removeVolume(name: String) async throws -> Joblet_RemoveVolumeRes {
        var request = Joblet_RemoveVolumeReq()
        request.name = name
        return try await unary(Joblet_VolumeService.Method.removeVolume, request)
    }
}
