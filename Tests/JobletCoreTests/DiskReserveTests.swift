import Foundation
import JobletCore
import XCTest

final class DiskReserveTests: XCTestCase {
    func testRefusesWithResourceExhaustedNamingTheFreeSpace() throws {
        let reserve = DiskReserve(directory: URL(fileURLWithPath: NSTemporaryDirectory()), minFreeMB: Int(Int32.max))
        XCTAssertNotNil(reserve.freeBytes)
        XCTAssertThrowsError(try reserve.check()) { error in
            guard let e = error as? JobletError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.code, .resourceExhausted)
            XCTAssertTrue(e.message.contains("MB free"), e.message)
            XCTAssertTrue(e.message.contains("server.minFreeDiskMB"), e.message)
        }
    }

    func testPassesAboveTheReserveAndWhenDisabled() throws {
        let tmp = URL(fileURLWithPath: NSTemporaryDirectory())
        XCTAssertNoThrow(try DiskReserve(directory: tmp, minFreeMB: 1).check())
        XCTAssertNoThrow(try DiskReserve(directory: tmp, minFreeMB: 0).check())
    }
}
