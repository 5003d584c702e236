import Foundation
import XCTest
@testable import JobletCore

/// jobletd's own last line in a job's log: on a line of its own, seen by a follower before the end.
final class LogServerNoteTests: XCTestCase {
    func testNoteStartsANewLineAndFollowersSeeItBeforeTheLogEnds() async throws {
        let logs = try LogStore(dataDirectory: try makeTemporaryDirectory(self))
        for (output, expected) in [("partial", "partial\n[jobletd] job failed: why\n"),
                                   ("line\n", "line\n[jobletd] job failed: why\n"),
                                   ("", "[jobletd] job failed: why\n")] {
            let id = UUID().uuidString
            try logs.create(id)
            try logs.append(id, Array(output.utf8))
            let reader = logs.reader(for: id, follow: true)
            try logs.appendServerNote(id, "job failed: why")
            logs.close(id)
            var got: [UInt8] = []
            for try await chunk in reader { got += chunk }
            XCTAssertEqual(String(decoding: got, as: UTF8.self), expected)
        }
    }
}
