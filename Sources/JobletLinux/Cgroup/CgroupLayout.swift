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
        for line in mountinfo.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let before = halves[0].split(separator: " "), after = halves[1].split(separator: " ")
            guard before.count >= 5, after.count >= 3 else { continue }
            let mountPoint = String(before[4]).replacingOccurrences(of: "\\040", with: " ")
            switch after[0] {
            case "cgroup2":
                if unifiedMount == nil { unifiedMount = mountPoint }
            case "cgroup":
                for option in after[2].split(separator: ",") where hierarchies[String(option)] == nil {
                    if option == "rw" || option == "ro" || option.contains("=") { continue }
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
