/// A host directory or file bind-mounted into a job (a volume, a runtime's tree). The mount is
/// nosuid and nodev; read-only unless `readOnly` is false.
public struct JobMount: Sendable, Equatable {
    /// An absolute host path; jobletd chooses it (never a client), and it must exist.
    public var source: String
    /// An absolute path inside the job, e.g. `/volumes/data` or `/usr/local`.
    public var target: String
    public var readOnly: Bool

    public init(source: String, target: String, readOnly: Bool = true) {
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }

    /// Places a mount may not go: the job's root itself and what the init mounts there.
    static let reservedTargets = ["/", "/proc", "/dev", "/work", "/tmp"]

    /// Why `target` cannot be a mount target, or nil. Targets are absolute and plain: no `.` or
    /// `..` components, no empty ones, not the root or its reserved mounts (or inside /proc, /dev).
    public static func problem(withTarget target: String) -> String? {
        guard target.hasPrefix("/") else { return "mount target \"\(target)\" must be an absolute path" }
        let parts = target.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if parts.contains(where: { $0 == "." || $0 == ".." }) {
            return "mount target \"\(target)\" must not contain . or .. components"
        }
        if parts.contains(where: \.isEmpty) && target != "/" {
            return "mount target \"\(target)\" has an empty component (a double or trailing slash)"
        }
        if target.utf8.count > 1024 { return "mount target is longer than 1024 bytes" }
        if target.contains("\0") { return "mount target contains a NUL byte" }
        if reservedTargets.contains(target) || target.hasPrefix("/proc/") || target.hasPrefix("/dev/") {
            return "mount target \"\(target)\" is reserved (the job's /, /proc, /dev, /work and /tmp are jobletd's)"
        }
        return nil
    }
}
