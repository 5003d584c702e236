import CJobletLinux
import Glibc

/// A job's veth pair: the host end (`vj<id>`) joins the network's bridge, the peer is made as
/// `eth0` inside the job's namespace (by its init's pid). Goes away with the namespace.
enum JobVeth {
    static func hostName(jobID: String) -> String {
        "vj" + String(jobID.unicodeScalars.filter { $0.properties.isASCIIHexDigit }.prefix(8).map(Character.init))
    }

    static func add(jobID: String, bridge: String, isolated: Bool, initPID: pid_t) throws {
        let master = CJobletLinux_net_link_index(bridge)
        guard master > 0 else {
            throw LocalJobError.spawnFailed("network bridge \(bridge) is missing (\(LinuxError.message(for: -master))); restart jobletd to rebuild it")
        }
        let name = hostName(jobID: jobID)
        var rc = CJobletLinux_net_veth_add(name, "eth0", initPID, master, isolated ? 1 : 0)
        if rc == -EEXIST {  // a leftover of an earlier job with the same id prefix
            _ = CJobletLinux_net_link_delete(name)
            rc = CJobletLinux_net_veth_add(name, "eth0", initPID, master, isolated ? 1 : 0)
        }
        guard rc == 0 else {
            throw LocalJobError.spawnFailed("making the job's veth pair \(name) on \(bridge): \(LinuxError.message(for: -rc))")
        }
    }
}
