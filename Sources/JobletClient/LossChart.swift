/// A small terminal chart of a series (loss over steps): `height` rows of block characters,
/// the value range on the left, the first and last x under it. Points are averaged into
/// `width` columns by x. Pure text; no terminal control codes.
public enum LossChart {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public static func render(_ points: [(x: Double, y: Double)], width: Int = 50, height: Int = 6) -> String {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard let minX = finite.map(\.x).min(), let maxX = finite.map(\.x).max(),
              let minY = finite.map(\.y).min(), let maxY = finite.map(\.y).max(), width > 0, height > 0 else { return "" }
        let columns = min(width, finite.count)
        var sums = [Double](repeating: 0, count: columns), counts = [Int](repeating: 0, count: columns)
        for p in finite {
            let c = maxX == minX ? 0 : min(columns - 1, Int((p.x - minX) / (maxX - minX) * Double(columns - 1) + 0.5))
            sums[c] += p.y
            counts[c] += 1
        }
        // Columns no point fell into take their left neighbour's value.
        var values: [Double] = []
        for c in 0..<columns {
            values.append(counts[c] > 0 ? sums[c] / Double(counts[c]) : (values.last ?? minY))
        }
        let levels = height * blocks.count  // eighths of a row
        let heights = values.map { v in
            maxY == minY ? levels / 2 : max(1, Int(((v - minY) / (maxY - minY)) * Double(levels - 1) + 0.5) + 1)
        }
        let top = TrainingReport.number(maxY), bottom = TrainingReport.number(minY)
        let labelWidth = max(top.count, bottom.count)
        var lines: [String] = []
        for row in (0..<height).reversed() {
            let label = row == height - 1 ? top : (row == 0 ? bottom : "")
            var line = String(repeating: " ", count: labelWidth - label.count) + label + " ┤"
            for h in heights {
                let filled = h - row * blocks.count
                line.append(filled <= 0 ? " " : blocks[min(filled, blocks.count) - 1])
            }
            lines.append(line)
        }
        let first = "step " + TrainingReport.number(minX), last = TrainingReport.number(maxX)
        let pad = max(1, columns - first.count - last.count)
        lines.append(String(repeating: " ", count: labelWidth + 2) + first + String(repeating: " ", count: pad) + last)
        return lines.joined(separator: "\n")
    }
}
