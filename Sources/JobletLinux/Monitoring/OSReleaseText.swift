/// /etc/os-release (or /usr/lib/os-release): KEY=value lines, values maybe quoted.
public enum OSReleaseText {
    public static func parse(_ text: String) -> [String: String] {
        var r: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = Substring(line[line.index(after: eq)...])
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = value.dropFirst().dropLast()
            }
            r[String(line[..<eq])] = String(value)
        }
        return r
    }
}

/// /etc/passwd: uid → user name.
public enum PasswdText {
    public static func parse(_ text: String) -> [UInt32: String] {
        var r: [UInt32: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 3, let uid = UInt32(f[2]), r[uid] == nil { r[uid] = String(f[0]) }
        }
        return r
    }
}
