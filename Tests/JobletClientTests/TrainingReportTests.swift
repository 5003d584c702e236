import XCTest
import JobletAPI
@testable import JobletClient

/// rnx's training metrics text (issue 19): the latest values line and the loss chart.
final class TrainingReportTests: XCTestCase {
    func testLatestTextPutsTheUsualKeysFirst() {
        XCTAssertEqual(TrainingReport.latestText(["eval_loss": 0.25, "loss": 0.5, "step": 1000, "learning_rate": 0.0002, "epoch": 1]),
                       "step=1000 epoch=1 loss=0.5 learning_rate=0.0002 eval_loss=0.25")
        XCTAssertEqual(TrainingReport.number(0.000012345), "1.23e-05")
    }

    func testChartFallsFromTopToBottom() {
        let chart = LossChart.render([(100, 2.0), (200, 1.0), (300, 0.5), (400, 0.0)], width: 50, height: 2)
        XCTAssertEqual(chart.split(separator: "\n").map(String.init), [
            "2 ┤█▁  ",
            "0 ┤██▅▁",
            "   step 100 400",
        ])
    }

    func testChartAveragesIntoColumnsAndSurvivesFlatAndEmptySeries() {
        let many = (0..<1000).map { (Double($0), 1000.0 - Double($0)) }
        let lines = LossChart.render(many, width: 40, height: 4).split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(lines[0].count, "1000 ┤".count + 40)
        XCTAssertFalse(LossChart.render([(1, 3), (2, 3)]).isEmpty, "a flat series still draws")
        XCTAssertEqual(LossChart.render([]), "")
        XCTAssertEqual(LossChart.render([(1, .nan)]), "")
    }

    func testHistoryIsEmptyWithoutMetricsAndSaysWhenAllWereMalformed() {
        XCTAssertEqual(TrainingReport.history(Joblet_TrainingMetricsRes()), "")
        var r = Joblet_TrainingMetricsRes()
        var summary = Joblet_TrainingMetrics()
        summary.malformedLines = 3
        r.summary = summary
        XCTAssertEqual(TrainingReport.history(r), "Training metrics: none parsed (3 malformed line(s) ignored)\n")
    }
}
