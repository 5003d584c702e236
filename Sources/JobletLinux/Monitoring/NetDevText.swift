/// An interface's counters from /proc/net/dev.
public struct NetworkCounters: Sendable, Equatable {
    public var bytesReceived: Int64 = 0, packetsReceived: Int64 = 0, errorsIn: Int64 = 0, dropsIn: Int64 = 0
    public var bytesSent: Int64 = 0, packetsSent: Int64 = 0, errorsOut: Int64 = 0, dropsOut: Int64 = 0
}

public enum NetDevText {
    /// "  eth0: 1234 5 0 0 0 0 0 0 4321 6 0 0 ..." after two header lines.
    public static func parse(_ text: String) -> [(String, NetworkCounters)] {
        text.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let n = line[line.index(after: colon)...].split(separator: " ").map { Int64($0) ?? 0 }
            guard n.count >= 16, !name.isEmpty else { return nil }
            return (name, NetworkCounters(bytesReceived: n[0], packetsReceived: n[1], errorsIn: n[2], dropsIn: n[3],
                                          bytesSent: n[8], packetsSent: n[9], errorsOut: n[10], dropsOut: n[11]))
        }
    }
}
