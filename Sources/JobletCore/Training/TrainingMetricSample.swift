import Foundation

/// One training metrics record a job reported: every numeric key of its JSON object.
public struct TrainingMetricSample: Sendable, Hashable {
    /// Where a record came from: a `##joblet-metric {json}` line of the job's output, or a line of
    /// the file named by `$JOBLET_METRICS_FILE`.
    public enum Source: String, Sendable, Hashable, CaseIterable {
        case log
        case file
    }

    public var values: [String: Double]
    public var time: Date
    public var source: Source
    /// Byte offset of its line in its source: (source, position) names a sample uniquely.
    public var position: Int64

    public init(values: [String: Double], time: Date, source: Source, position: Int64 = -1) {
        self.values = values
        self.time = time
        self.source = source
        self.position = position
    }

    public var step: Double? { values["step"] }
    public var epoch: Double? { values["epoch"] }
    public var loss: Double? { values["loss"] }
    /// `learning_rate`, or `lr` as many trainers print it.
    public var learningRate: Double? { values["learning_rate"] ?? values["lr"] }
}

/// The latest value of each key over a job's samples, and how many lines were read.
public struct TrainingMetricsSummary: Sendable, Hashable {
    public var latest: [String: Double]
    public var samples: Int
    /// Lines that named themselves metrics (or lines of the metrics file) but did not parse.
    public var malformedLines: Int
    public var updated: Date

    public init(latest: [String: Double], samples: Int, malformedLines: Int, updated: Date) {
        self.latest = latest
        self.samples = samples
        self.malformedLines = malformedLines
        self.updated = updated
    }
}
