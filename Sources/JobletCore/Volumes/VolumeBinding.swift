/// One entry of a job's `volumes`: `name` (at `/volumes/name`, read-write), `name:/path`, or
/// `name:/path:ro` (read-only; `:rw` spells the default).
public struct VolumeBinding: Sendable, Equatable {
    public var name: String
    public var target: String
    public var readOnly: Bool

    public init(name: String, target: String, readOnly: Bool) {
        self.name = name
        self.target = target
        self.readOnly = readOnly
    }

    static let reservedTargets = ["/", "/proc", "/dev", "/work", "/tmp", "/etc/hosts"]

    public init(parsing entry: String) throws(JobletError) {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count) else {
            throw .invalidArgument("volume '\(entry)': use NAME, NAME:/path or NAME:/path:ro")
        }
        try Volume.checkName(parts[0])
        name = parts[0]
        target = parts.count > 1 ? parts[1] : "/volumes/" + parts[0]
        readOnly = false
        if parts.count == 3 {
            guard parts[2] == "ro" || parts[2] == "rw" else {
                throw .invalidArgument("volume '\(entry)': the mode after the path is 'ro' or 'rw', not '\(parts[2])'")
            }
            readOnly = parts[2] == "ro"
        }
        let components = target.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard target.hasPrefix("/"), !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
              !target.utf8.contains(0), target.utf8.count <= 1024 else {
            throw .invalidArgument("volume '\(entry)': the path must be absolute and plain, e.g. /data (no '.', '..' or empty parts)")
        }
        guard !Self.reservedTargets.contains(target), !target.hasPrefix("/proc/"), !target.hasPrefix("/dev/") else {
            throw .invalidArgument("volume '\(entry)': \(target) is reserved (/, /proc, /dev, /work, /tmp and /etc/hosts are jobletd's); choose another path")
        }
    }
}
