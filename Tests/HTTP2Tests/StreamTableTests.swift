import HTTP2
import XCTest

final class StreamTableTests: XCTestCase {
    func testInsertLookupReplaceRemove() {
        var table = StreamTable<String>()
        XCTAssertTrue(table.isEmpty)
        XCTAssertNil(table[1])
        XCTAssertNil(table[0], "stream 0 is never stored")
        table[1] = "a"
        table[3] = "b"
        XCTAssertEqual(table[1], "a")
        XCTAssertEqual(table[3], "b")
        XCTAssertEqual(table.count, 2)
        table[1] = "c"
        XCTAssertEqual(table[1], "c")
        XCTAssertEqual(table.count, 2)
        XCTAssertEqual(table.removeValue(forKey: 1), "c")
        XCTAssertNil(table.removeValue(forKey: 1))
        XCTAssertNil(table[1])
        table[3] = nil
        XCTAssertTrue(table.isEmpty)
    }

    /// Ids that share a home slot (they differ by a multiple of twice the capacity) probe past each
    /// other; removing one from the middle of a run must keep the later ones reachable, also when
    /// the run wraps around the end of the slots.
    func testCollidingIdsSurviveRemovalsInTheMiddleOfAProbeRun() {
        var table = StreamTable<Int32>()
        let colliding: [Int32] = [31, 63, 95, 127, 29, 1, 3]  // 31, 63, 95, 127 share slot 15 of 16
        for id in colliding { table[id] = id }
        XCTAssertEqual(table.count, colliding.count)
        table[63] = nil
        for id in colliding where id != 63 { XCTAssertEqual(table[id], id, "id \(id)") }
        table[31] = nil
        table[1] = nil
        for id in [95, 127, 29, 3] as [Int32] { XCTAssertEqual(table[id], id, "id \(id)") }
        XCTAssertEqual(Set(table.values), [95, 127, 29, 3])
    }

    /// Against a Dictionary, through growth, with the insert/remove mix of a busy connection.
    func testMatchesADictionaryUnderRandomOperations() {
        var table = StreamTable<Int>()
        var reference: [Int32: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let id = Int32.random(in: 1...600, using: &rng) | 1
            if Bool.random(using: &rng) {
                table[id] = step
                reference[id] = step
            } else {
                XCTAssertEqual(table.removeValue(forKey: id), reference.removeValue(forKey: id))
            }
            if step % 997 == 0 {
                for (k, v) in reference { XCTAssertEqual(table[k], v) }
                XCTAssertEqual(table.count, reference.count)
            }
        }
        XCTAssertEqual(table.values.sorted(), reference.values.sorted())
        table.removeAll()
        XCTAssertTrue(table.isEmpty)
        for k in reference.keys { XCTAssertNil(table[k]) }
    }
}
