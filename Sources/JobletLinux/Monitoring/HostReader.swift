import Foundation
import Glibc

/// The host's identity: names, kernel, distribution, addresses. What never changes while we run
/// (uname, os-release, cpu count) is read once; addresses are re-read with every sample.
struct HostReader: Sendable {
    let fs: ProcFS
    let stable: HostSnapshot

    init(fs: ProcFS) {
        self.fs = fs
        var h = HostSnapshot()
        var u = utsname()
        if uname(&u) == 0 {
            h.os = Self.string(u.sysname)
            h.kernelVersion = Self.string(u.release)
            h.kernelArch = Self.string(u.machine)
        }
        h.architecture = Self.goArch(h.kernelArch)
        let release = OSReleaseText.parse(fs.read("\(fs.etc)/os-release") ?? fs.read("/usr/lib/os-release") ?? "")
        h.platform = release["ID"] ?? ""
        h.platformFamily = (release["ID_LIKE"]?.split(separator: " ").first).map(String.init) ?? h.platform
        h.platformVersion = release["VERSION_ID"] ?? ""
        h.cpuCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        stable = h
    }

    func read(stat: ProcStatText, memory: MemInfoText) -> HostSnapshot {
        var h = stable
        h.hostname = Self.hostname()
        h.totalMemoryBytes = memory["MemTotal"]
        h.bootTime = Date(timeIntervalSince1970: TimeInterval(stat.bootTime))
        if let up = fs.proc("uptime")?.split(separator: " ").first.flatMap({ Double($0) }) { h.uptimeSeconds = Int64(up) }
        h.addresses = Self.addresses()
        h.macAddresses = macAddresses()
        return h
    }

    static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(cString: buffer)
    }

    /// The names Go (and so Joblet) uses for machines.
    static func goArch(_ machine: String) -> String {
        switch machine {
        case "x86_64": "amd64"
        case "aarch64", "arm64": "arm64"
        case "i386", "i686": "386"
        case "armv7l", "armv6l": "arm"
        case "ppc64le": "ppc64le"
        case "s390x": "s390x"
        case "riscv64": "riscv64"
        default: machine
        }
    }

    /// Every address of every interface that is up, loopback and link-local IPv6 left out.
    static func addresses() -> [String] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var r: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let ifa = cursor {
            defer { cursor = ifa.pointee.ifa_next }
            guard let sa = ifa.pointee.ifa_addr, ifa.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0,
                  ifa.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                var a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                if inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count)) != nil { r.append(String(cString: buffer)) }
            case AF_INET6:
                var a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                if inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)) != nil {
                    let text = String(cString: buffer)
                    if !text.lowercased().hasPrefix("fe80") { r.append(text) }
                }
            default:
                continue
            }
        }
        return r
    }

    /// MAC addresses of interfaces with a real one (not loopback, not all zeros).
    func macAddresses() -> [String] {
        var r: [String] = []
        for name in fs.list("\(fs.sys)/class/net").sorted() where name != "lo" {
            guard let mac = fs.trimmed("\(fs.sys)/class/net/\(name)/address"), mac.count == 17,
                  mac != "00:00:00:00:00:00", !r.contains(mac) else { continue }
            r.append(mac)
        }
        return r
    }
}
