import CJobletLinux
import Dispatch
import Glibc
import Synchronization

/// Network namespaces of ended jobs, kept for the next job on the same network (issue 15;
/// `jobs.recycledNamespaces` per network). Making a namespace and its veth pair, and the kernel's
/// teardown of both, are most of what a job on a `bridge` network costs beyond one on `host`
/// (docs/benchmarks.md). A namespace is kept only when its job is wholly gone and no socket is
/// left in it (none passed out of the job); its eth0 loses its address (and so its routes) before
/// it is kept. The next job's init joins it (CJobletLinux_SpawnJoinNetwork) and configures it as a
/// new one. The veth keeps its host end's name, `vj<id of the job that first had it>`, and its
/// place on the bridge; the next job's address claim names it (AddressClaims).
///
/// A job cannot change a namespace it leaves behind other than by its sockets: its init empties
/// the capability bounding set, so no route, address, rule or sysctl of it is the job's to set.
///
/// Kept namespaces are closed when jobletd stops (the kernel tears them down), and when their
/// network is removed.
final class RecycledNamespaces: Sendable {
    struct Namespace: Sendable {
        let fd: Int32
        let veth: String
        let bridgeIndex: Int32
    }

    let perNetwork: Int
    /// jobletd's own network namespace: where the checking thread comes back to.
    private let home: Int32
    private let state = Mutex(State())
    /// Where busy namespaces are looked at again.
    private let later = DispatchQueue(label: "jobletd.recycled-namespaces")
    let log: @Sendable (String) -> Void

    private struct State {
        var kept: [String: [Namespace]] = [:]
        var closed = false
    }

    init?(perNetwork: Int, log: @escaping @Sendable (String) -> Void) {
        guard perNetwork > 0 else { return nil }
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard home >= 0 else { return nil }
        self.perNetwork = perNetwork
        self.home = home
        self.log = log
    }

    deinit {
        close()
        Glibc.close(home)
    }

    /// The namespace of a job that ended (`fd` is consumed): kept for the next job on `bridge` when
    /// there is room and nothing of the job lives in it any more. A socket the job closed as it
    /// ended may take a moment to go (UDP's are freed after an RCU grace period, TCP's after their
    /// FIN exchange): a busy namespace is looked at again 50 ms and 1 s later, then let go.
    func offer(fd: Int32, bridge: String, address: UInt32, prefix: Int, veth: String, retries: [Int] = [50, 1000]) {
        let room = state.withLock { !$0.closed && $0.kept[bridge, default: []].count < perNetwork }
        let bridgeIndex = CJobletLinux_net_link_index(bridge)
        // Still a port of that bridge (not of one removed and made again meanwhile).
        guard room, bridgeIndex > 0, Self.master(of: veth) == bridge else {
            Glibc.close(fd)
            return
        }
        let rc = CJobletLinux_netns_recycle(fd, home, address.bigEndian, Int32(prefix))
        if rc == -EBUSY, let delay = retries.first {
            later.asyncAfter(deadline: .now() + .milliseconds(delay)) { [self] in
                offer(fd: fd, bridge: bridge, address: address, prefix: prefix, veth: veth, retries: Array(retries.dropFirst()))
            }
            return
        }
        guard rc == 0 else {
            // EBUSY: a socket lives on (a descriptor passed out of the job); the namespace goes once it closes.
            if rc != -EBUSY { log("not reusing the network namespace of \(veth): \(LinuxError.message(for: -rc))") }
            Glibc.close(fd)
            return
        }
        let kept = state.withLock { s -> Bool in
            guard !s.closed, s.kept[bridge, default: []].count < perNetwork else { return false }
            s.kept[bridge, default: []].append(Namespace(fd: fd, veth: veth, bridgeIndex: bridgeIndex))
            return true
        }
        if !kept { Glibc.close(fd) }
    }

    /// The bridge a host-side veth is a port of, or nil.
    static func master(of veth: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink("/sys/class/net/\(veth)/master", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    /// A kept namespace of `bridge` (the caller owns its fd), or nil. One whose bridge was made
    /// again meanwhile (its veth is on no bridge), or whose veth is gone, is closed, not handed out.
    func take(bridge: String) -> Namespace? {
        while let ns = state.withLock({ $0.kept[bridge]?.popLast() }) {
            if CJobletLinux_net_link_index(bridge) == ns.bridgeIndex, CJobletLinux_net_link_index(ns.veth) > 0 { return ns }
            Glibc.close(ns.fd)
        }
        return nil
    }

    /// How many are kept for `bridge`.
    func count(bridge: String) -> Int { state.withLock { $0.kept[bridge]?.count ?? 0 } }

    /// Closes the kept namespaces of `bridge` (its network is being removed).
    func discard(bridge: String) {
        let left = state.withLock { $0.kept.removeValue(forKey: bridge) ?? [] }
        left.forEach { Glibc.close($0.fd) }
    }

    /// Closes every kept namespace; nothing is kept after this.
    func close() {
        let left = state.withLock { s -> [Namespace] in
            s.closed = true
            defer { s.kept = [:] }
            return s.kept.values.flatMap { $0 }
        }
        left.forEach { Glibc.close($0.fd) }
    }
}
