/// Volume sizes as upstream writes them: a number (decimals allowed) and a unit of B, KB, MB, GB
/// or TB, 1024-based (`500MB`, `1.5GB`). A value type with no state.
public enum VolumeSize {
    static let units: [(suffix: String, factor: Double)] = [("TB", 1_099_511_627_776), ("GB", 1_073_741_824), ("MB", 1_048_576), ("KB", 1024), ("B", 1)]
    /// Smaller than this holds no ext4 filesystem worth having.
    public static let minimumBytes: Int64 = 1 << 20
    public static let maximumBytes: Int64 = 1 << 50

    public static func parse(_ text: String) throws(JobletError) -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        for unit in units where t.hasSuffix(unit.suffix) {
            let number = t.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number), value > 0 else { break }
            let bytes = value * unit.factor
            guard bytes >= Double(minimumBytes), bytes <= Double(maximumBytes) else {
                throw .invalidArgument("volume size '\(text)' is out of range: give 1MB to 1024TB")
            }
            return Int64(bytes.rounded(.down))
        }
        throw .invalidArgument("invalid volume size '\(text)': give a number and a unit of B, KB, MB, GB or TB, e.g. 500MB or 1.5GB")
    }

    /// The largest unit that keeps the value whole or to one decimal: 1.5GB, 500MB, 1536B.
    public static func format(_ bytes: Int64) -> String {
        for unit in units where Double(bytes) >= unit.factor {
            let value = Double(bytes) / unit.factor
            if value == value.rounded() { return "\(Int64(value))\(unit.suffix)" }
            if (value * 10) == (value * 10).rounded() { return "\(value)\(unit.suffix)" }
        }
        return "\(bytes)B"
    }
}

import Foundation
