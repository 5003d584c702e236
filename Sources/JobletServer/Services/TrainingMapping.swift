import Foundation
import JobletAPI
import JobletCore

/// Proto ⇄ domain translation for training metrics (issue 19).
enum TrainingMapping {
    static func sample(_ s: TrainingMetricSample) -> Joblet_TrainingMetricSample {
        var r = Joblet_TrainingMetricSample()
        r.values = s.values
        r.step = Int64(exactly: (s.step ?? 0).rounded(.towardZero)) ?? 0
        r.epoch = s.epoch ?? 0
        r.loss = s.loss ?? 0
        r.learningRate = s.learningRate ?? 0
        r.time = RFC3339.format(s.time)
        r.source = s.source.rawValue
        return r
    }

    static func summary(_ s: TrainingMetricsSummary) -> Joblet_TrainingMetrics {
        var r = Joblet_TrainingMetrics()
        r.latest = s.latest
        r.step = Int64(exactly: (s.latest["step"] ?? 0).rounded(.towardZero)) ?? 0
        r.epoch = s.latest["epoch"] ?? 0
        r.loss = s.latest["loss"] ?? 0
        r.learningRate = s.latest["learning_rate"] ?? s.latest["lr"] ?? 0
        r.samples = Int64(s.samples)
        r.malformedLines = Int64(s.malformedLines)
        r.updated = RFC3339.format(s.updated)
        return r
    }
}
