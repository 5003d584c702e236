import Foundation

/// Parses one line as a training metrics record: `##joblet-metric {"step": 1000, "loss": 0.5}`
/// in a job's output, or a JSON object per line in `$JOBLET_METRICS_FILE` (the prefix optional
/// there). Numeric values are kept; strings, booleans, null, arrays and objects are skipped.
/// A line that is a record but does not parse is `malformed`: counted, never fatal.
public enum TrainingMetricLine: Equatable, Sendable {
    case notMetric
    case sample([String: Double])
    case malformed

    public static let prefix = "##joblet-metric"
    /// A record longer than this is malformed (a runaway line is not read into memory whole).
    public static let maxLineBytes = 64 * 1024
    /// Keys beyond this many make the record malformed: a metrics table must stay small.
    public static let maxKeys = 64
    public static let maxKeyBytes = 128

    /// A line of the job's output (without its newline).
    public static func parseLogLine<Bytes: Collection<UInt8>>(_ line: Bytes) -> TrainingMetricLine {
        var bytes = ArraySlice(line)
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        let marker = Array(prefix.utf8)
        guard bytes.starts(with: marker) else { return .notMetric }
        let rest = bytes.dropFirst(marker.count)
        // "##joblet-metrics" or "##joblet-metric-foo" are not our prefix.
        if let next = rest.first, next != 0x20, next != 0x09, next != UInt8(ascii: "{") { return .notMetric }
        return parseObject(rest)
    }

    /// A line of `$JOBLET_METRICS_FILE`; blank lines are nothing.
    public static func parseFileLine<Bytes: Collection<UInt8>>(_ line: Bytes) -> TrainingMetricLine {
        let bytes = ArraySlice(line)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .notMetric }
        if case .notMetric = parseLogLine(bytes) { return parseObject(bytes) }
        return parseLogLine(bytes)
    }

    private static func parseObject(_ bytes: ArraySlice<UInt8>) -> TrainingMetricLine {
        guard bytes.count <= maxLineBytes else { return .malformed }
        guard let object = try? JSONDecoder().decode([String: MetricJSONValue].self, from: Data(bytes)) else {
            return .malformed
        }
        guard object.count <= maxKeys, object.keys.allSatisfy({ !$0.isEmpty && $0.utf8.count <= maxKeyBytes }) else {
            return .malformed
        }
        var values: [String: Double] = [:]
        for (key, value) in object {
            if case .number(let n) = value, n.isFinite { values[key] = n }
        }
        return values.isEmpty ? .malformed : .sample(values)
    }
}

/// A JSON value of a metrics object: a number, or anything else (skipped).
private enum MetricJSONValue: Decodable {
    case number(Double)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if (try? container.decode(Bool.self)) != nil {
            self = .other
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else {
            self = .other
        }
    }
}
