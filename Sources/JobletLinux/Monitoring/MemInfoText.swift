/// /proc/meminfo in bytes.
public struct MemInfoText: Sendable, Equatable {
    public var values: [String: Int64] = [:]

    /// "MemTotal:       24683664 kB" lines; values in kB become bytes.
    public static func parse(_ text: String) -> MemInfoText {
        var r = MemInfoText()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let rest = line[line.index(after: colon)...].split(separator: " ")
            guard let first = rest.first, let n = Int64(first) else { continue }
            r.values[String(line[..<colon])] = rest.count > 1 && rest[1] == "kB" ? n * 1024 : n
        }
        return r
    }

    public subscript(_ key: String) -> Int64 { values[key] ?? 0 }

    var snapshot: MemorySnapshot {
        var m = MemorySnapshot()
        m.totalBytes = self["MemTotal"]
        m.freeBytes = self["MemFree"]
        // MemAvailable exists since 3.14; before it, free + reclaimable caches is the estimate.
        m.availableBytes = values["MemAvailable"] ?? (m.freeBytes + self["Buffers"] + self["Cached"])
        m.bufferedBytes = self["Buffers"]
        m.cachedBytes = self["Cached"] + self["SReclaimable"]
        m.usedBytes = max(0, m.totalBytes - m.availableBytes)
        m.usagePercent = m.totalBytes > 0 ? Double(m.usedBytes) * 100 / Double(m.totalBytes) : 0
        m.swapTotalBytes = self["SwapTotal"]
        m.swapFreeBytes = self["SwapFree"]
        m.swapUsedBytes = max(0, m.swapTotalBytes - m.swapFreeBytes)
        return m
    }
}
