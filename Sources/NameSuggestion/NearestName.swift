/// "Did you mean …?": the known name closest to a mistyped one (Levenshtein distance, case
/// ignored), if it is close enough to be a likely typo.
public enum NearestName {
    public static func find(_ typed: String, among names: some Sequence<String>) -> String? {
        let target = Array(typed.lowercased())
        var best: (name: String, distance: Int)?
        for name in names {
            let d = distance(target, Array(name.lowercased()))
            if best == nil || d < best!.distance || (d == best!.distance && name < best!.name) { best = (name, d) }
        }
        guard let best, best.distance <= max(2, target.count / 3) else { return nil }
        return best.name
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + [Int](repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
