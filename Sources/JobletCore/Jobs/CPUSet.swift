import Foundation

/// A parsed cpuset list ("0-1,3"): the CPU numbers, sorted, without duplicates.
public struct CPUSet: Sendable, Hashable {
    public let cpus: [Int]

    /// Parses the cgroup cpuset syntax: comma-separated numbers or `a-b` ranges (a ≤ b).
    public init(parsing text: String) throws(JobletError) {
        func invalid(_ why: String) -> JobletError {
            .invalidArgument("invalid cpuCores '\(text)': \(why); expected a list like \"0-1,3\"")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw invalid("empty list") }
        var set = Set<Int>()
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { throw invalid("empty element") }
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Self.number(bounds[0]), let high = Self.number(bounds.last!) else {
                throw invalid("'\(item)' is not a CPU number or range")
            }
            guard low <= high else { throw invalid("range '\(item)' goes backwards") }
            guard high - low < 65_536 else { throw invalid("range '\(item)' is too large") }
            set.formUnion(low...high)
        }
        cpus = set.sorted()
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 6, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
