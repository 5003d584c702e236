import Foundation
import Glibc
import JobletCore

/// Host-wide claims on job addresses: one file per address, `/run/jobletd/addresses/<bridge>-<a.b.c.d>`,
/// made with O_EXCL and holding the job's id. Every jobletd on this host that uses the same bridge
/// (a test suite's servers, a soak next to a service) then hands out different addresses, where
/// each database alone would not. /run goes with a reboot, like the bridges and the jobs.
/// A claim is stale when it is older than `grace` and its job's veth is gone (the job ended under
/// a server that did not release it: killed, its data directory deleted). The file holds the job's
/// id, then its veth's host end when that is not `vj<id>` (a recycled namespace's: RecycledNamespaces).
struct AddressClaims: Sendable {
    var directory = "/run/jobletd/addresses"
    var grace: TimeInterval = 30

    func path(_ address: UInt32, bridge: String) -> String {
        "\(directory)/\(bridge)-\(IPv4CIDR.format(address))"
    }

    func claim(address: UInt32, on network: JobNetwork, jobID: String) -> Bool {
        let file = path(address, bridge: network.bridge)
        for _ in 0..<2 {
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 {
                let bytes = Array(jobID.utf8)
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                return true
            }
            if errno == ENOENT {  // the directory: made once, then try again
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                         attributes: [.posixPermissions: 0o700])
                continue
            }
            guard errno == EEXIST else { return true }  // no usable claims directory: this server's records alone decide
            let holder = (try? FileIO.read(file)) ?? ""
            if Self.job(holder) == jobID { return true }
            guard isStale(file, holder: holder) else { return false }
            unlink(file)
        }
        return false
    }

    func unclaim(address: UInt32, on network: JobNetwork, jobID: String) {
        let file = path(address, bridge: network.bridge)
        if Self.job((try? FileIO.read(file)) ?? "") == jobID { unlink(file) }
    }

    /// The job's claim names `device` as its veth (it joined a recycled namespace). Rewritten in
    /// place: the claim stays the job's throughout.
    func record(device: String, address: UInt32, bridge: String, jobID: String) {
        let file = path(address, bridge: bridge)
        let fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return }
        let bytes = Array("\(jobID) \(device)".utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    private static func job(_ holder: String) -> String { String(holder.prefix { $0 != " " }) }

    private func isStale(_ file: String, holder: String) -> Bool {
        var st = stat()
        guard stat(file, &st) == 0 else { return true }
        let age = Date().timeIntervalSince1970 - TimeInterval(st.st_mtim.tv_sec)
        let parts = holder.split(separator: " ")
        let device = parts.count > 1 ? String(parts[1]) : JobVeth.hostName(jobID: holder)
        return age > grace && access("/sys/class/net/" + device, F_OK) != 0
    }
}
