import Foundation
import JobletAPI
import JobletCore
import RPC

/// `joblet.VolumeService` (issue 15): a thin translation onto `VolumeRegistry`.
public struct VolumeService: Sendable {
    let volumes: VolumeRegistry

    public init(volumes: VolumeRegistry) {
        self.volumes = volumes
    }

    public func register(on router: RPCRouter) {
        let volumes = self.volumes
        let v = Joblet_VolumeService.Method.self
        router.unary(v.createVolume, Joblet_CreateVolumeReq.self) { req, _ in
            try await BlockingCall.run("creating volume \(req.name)") {
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
            try await BlockingCall.run("listing volumes") {
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
            try await BlockingCall.run("removing volume \(req.name)") {
                try volumes.remove(name: req.name)
                var r = Joblet_RemoveVolumeRes()
                r.success = true
                r.message = "volume \(req.name) removed"
                return r
            }
        }
    }
}
