import Foundation
import JobletAPI

/// `rnx network list` and `rnx volume list` as aligned columns or JSON.
public enum NetworkVolumeTable {
    public static func networks(_ list: [Joblet_Network]) -> String {
        table(["NAME", "CIDR", "BRIDGE", "JOBS"], list.map { [$0.name, $0.cidr.isEmpty ? "-" : $0.cidr, $0.bridge.isEmpty ? "-" : $0.bridge, "\($0.jobCount)"] })
    }

    public static func volumes(_ list: [Joblet_Volume]) -> String {
        table(["NAME", "TYPE", "SIZE", "USED", "JOBS", "CREATED"], list.map {
            [$0.name, $0.type, $0.size, $0.usedBytes > 0 ? byteText($0.usedBytes) : "-", "\($0.jobCount)", $0.createdTime]
        })
    }

    public static func networksJSON(_ list: [Joblet_Network]) -> String {
        json(list.map { ["name": $0.name, "cidr": $0.cidr, "bridge": $0.bridge, "jobCount": Int($0.jobCount)] as [String: Any] })
    }

    public static func volumesJSON(_ list: [Joblet_Volume]) -> String {
        json(list.map { ["name": $0.name, "type": $0.type, "size": $0.size, "sizeBytes": $0.sizeBytes, "usedBytes": $0.usedBytes,
                         "path": $0.path, "createdTime": $0.createdTime, "jobCount": Int($0.jobCount)] as [String: Any] })
    }

    static func byteText(_ bytes: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes)B" : String(format: "%.1f%@", value, units[unit])
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func json(_ value: [[String: Any]]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
