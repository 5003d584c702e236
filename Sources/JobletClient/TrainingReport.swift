import Foundation
import JobletAPI

/// How rnx shows training metrics (issue 19): the latest values under `rnx status`, the history
/// with a loss chart under `rnx job metrics`.
public enum TrainingReport {
    /// Key-value lines for `rnx status`; none when the job reported no metrics.
    static func statusLines(_ s: Joblet_GetJobStatusRes) -> [(String, String)] {
        guard let t = s.training else { return [] }
        var lines = [("Training", latestText(t.latest))]
        var counts = "\(t.samples) sample(s)"
        if t.malformedLines > 0 { counts += ", \(t.malformedLines) malformed line(s) ignored" }
        lines.append(("Training Samples", counts))
        return lines
    }

    /// "step=1000 epoch=1 loss=0.5 learning_rate=0.0002 eval_loss=…": the usual keys first.
    static func latestText(_ values: [String: Double]) -> String {
        let usual = ["step", "epoch", "loss", "learning_rate", "lr"]
        let keys = usual.filter { values[$0] != nil } + values.keys.filter { !usual.contains($0) }.sorted()
        return keys.map { "\($0)=\(number(values[$0]!))" }.joined(separator: " ")
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        if abs(v) < 1e-3 || abs(v) >= 1e6 { return String(format: "%.3g", v) }
        return String(format: "%.4g", v)
    }

    /// The history as rnx job metrics prints it: a chart of loss over steps (when there are
    /// losses), then the last `rows` samples, one line each.
    public static func history(_ r: Joblet_TrainingMetricsRes, rows: Int = 10) -> String {
        guard !r.samples.isEmpty else {
            if let summary = r.summary, summary.malformedLines > 0 {
                return "Training metrics: none parsed (\(summary.malformedLines) malformed line(s) ignored)\n"
            }
            return ""
        }
        var out = "Training metrics: \(r.samples.count) sample(s)"
        if let summary = r.summary, summary.malformedLines > 0 { out += ", \(summary.malformedLines) malformed line(s) ignored" }
        out += "\n"
        let points = r.samples.enumerated().compactMap { index, s -> (Double, Double)? in
            guard let loss = s.values["loss"] else { return nil }
            return (s.values["step"] ?? Double(index), loss)
        }
        if points.count >= 2 { out += "\nloss over steps\n" + LossChart.render(points) + "\n" }
        for s in r.samples.suffix(rows) {
            out += "  " + latestText(s.values) + "\n"
        }
        return out
    }
}
