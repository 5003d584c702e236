import Foundation

/// Which cgroup arrangement this host has, read once from /proc/self/mountinfo at start.
public enum CgroupLayout: Sendable, Equatable {
    /// cgroup2 with the controllers we need enabled at its root.
    case unified(root: String, controllers: [String])
    /// v1 hierarchies (controller name → mount point), possibly beside a controller-less cgroup2.
    case v1(hierarchies: [String: String], unifiedMount: String?)
    case unavailable(String)

    /// Controllers a job is limited by; cpuacct and freezer only matter on v1.
    static let requiredV2 = ["cpu", "memory", "pids"]

    public static func detect(mountinfoPath: String = "/proc/self/mountinfo") -> CgroupLayout {
        guard let mountinfo = try? FileIO.read(mountinfoPath) else {
            return .unavailable("cannot read \(mountinfoPath)")
        }
        return detect(mountinfo: mountinfo, controllersOf: { FileIO.readTrimmed($0 + "/cgroup.controllers") ?? "" })
    }

    /// `controllersOf` reads a cgroup2 mount's root `cgroup.controllers` (a seam for tests).
    static func detect(mountinfo: String, controllersOf: (String) -> String) -> CgroupLayout {
        var hierarchies: [String: String] = [:]
        var unifiedMount: String?
        // Standard-library string operations only: Foundation's `contains` / `replacingOccurrences`
        // would bring CoreFoundation's Unicode tables into memory at start-up for this one parse.
        for line in mountinfo.split(separator: "\n") {
            // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash >= 5, fields.count >= dash + 4 else { continue }
            let mountPoint = unescapeMountField(fields[4])
            switch fields[dash + 1] {
            case "cgroup2":
                if unifiedMount == nil { unifiedMount = mountPoint }
            case "cgroup":
                for option in fields[dash + 3].split(separator: ",") where hierarchies[String(option)] == nil {
                    if option == "rw" || option == "ro" || option.contains("=" as Character) { continue }
                    hierarchies[String(option)] = mountPoint
                }
            default:
                continue
            }
        }
        if let root = unifiedMount {
            let controllers = controllersOf(root).split(separator: " ").map(String.init)
            if requiredV2.allSatisfy(controllers.contains) { return .unified(root: root, controllers: controllers) }
        }
        if hierarchies["memory"] != nil { return .v1(hierarchies: hierarchies, unifiedMount: unifiedMount) }
        return .unavailable("no cgroup2 mount with \(requiredV2.joined(separator: ", ")) controllers and no v1 memory hierarchy in mountinfo")
    }

    /// A mountinfo path field with its octal escapes (`\040` space, `\011` tab, `\012` newline,
    /// `\134` backslash) decoded.
    static func unescapeMountField(_ field: Substring) -> String {
        let u = Array(field.utf8)
        guard u.contains(UInt8(ascii: "\\")) else { return String(field) }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 3 < u.count,
               u[(i + 1)...(i + 3)].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                let value = (Int(u[i + 1] - 48) << 6) | (Int(u[i + 2] - 48) << 3) | Int(u[i + 3] - 48)
                if value < 256 {
                    out.append(UInt8(value))
                    i += 4
                    continue
                }
            }
            out.append(u[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One line for the server log.
    public var summary: String {
        switch self {
        case .unified(let root, let controllers):
            return "cgroup layout: v2 unified at \(root) (controllers: \(controllers.joined(separator: " ")))"
        case .v1(let hierarchies, let unified):
            let used = CgroupV1Controller.jobControllers.compactMap { name in hierarchies[name].map { "\(name)=\($0)" } }
            let tail = unified.map { "; cgroup2 at \($0) has no usable controllers" } ?? ""
            return "cgroup layout: v1 hybrid (\(used.joined(separator: " ")))\(tail)"
        case .unavailable(let why):
            return "cgroup layout: unavailable (\(why)); jobs cannot be limited"
        }
    }
}
