import XCTest
@testable import JobletCore

/// Volume sizes, names and a job's volume entries.
final class VolumeRulesTests: XCTestCase {
    func testSizesAre1024BasedWithUpstreamsUnits() throws {
        XCTAssertEqual(try VolumeSize.parse("500MB"), 500 << 20)
        XCTAssertEqual(try VolumeSize.parse("1.5GB"), 3 << 29)
        XCTAssertEqual(try VolumeSize.parse("2gb"), 2 << 30)
        XCTAssertEqual(try VolumeSize.parse("1TB"), 1 << 40)
        XCTAssertEqual(try VolumeSize.parse("2048KB"), 2 << 20)
        XCTAssertEqual(try VolumeSize.parse("1048576B"), 1 << 20)
        for bad in ["", "MB", "10", "1.5", "-5MB", "1e3MB", "5 XB", "0MB", "100KB", "2000TB", "1..5GB"] {
            XCTAssertThrowsError(try VolumeSize.parse(bad), bad)
        }
    }

    func testSizesFormatBack() {
        XCTAssertEqual(VolumeSize.format(500 << 20), "500MB")
        XCTAssertEqual(VolumeSize.format(3 << 29), "1.5GB")
        XCTAssertEqual(VolumeSize.format(1 << 40), "1TB")
        XCTAssertEqual(VolumeSize.format((1 << 20) + 1), "1048577B")
    }

    func testNames() {
        for ok in ["data", "a", "my.vol_1-x", String(repeating: "v", count: 64)] { XCTAssertNoThrow(try Volume.checkName(ok), ok) }
        for bad in ["", ".", "..", "-x", "_x", "a/b", "a b", "a:b", String(repeating: "v", count: 65)] {
            XCTAssertThrowsError(try Volume.checkName(bad), bad)
        }
    }

    func testJobEntries() throws {
        XCTAssertEqual(try VolumeBinding(parsing: "data"), VolumeBinding(name: "data", target: "/volumes/data", readOnly: false))
        XCTAssertEqual(try VolumeBinding(parsing: "data:/mnt/d"), VolumeBinding(name: "data", target: "/mnt/d", readOnly: false))
        XCTAssertEqual(try VolumeBinding(parsing: "data:/mnt/d:ro"), VolumeBinding(name: "data", target: "/mnt/d", readOnly: true))
        XCTAssertEqual(try VolumeBinding(parsing: "data:/mnt/d:rw"), VolumeBinding(name: "data", target: "/mnt/d", readOnly: false))
        for bad in ["", ":/x", "data:", "data:x", "data:/a/../b", "data:/a//b", "data:/a/", "data:/", "data:/proc",
                    "data:/proc/x", "data:/dev/sda", "data:/work", "data:/tmp", "data:/etc/hosts", "data:/x:rx", "data:/x:ro:1"] {
            XCTAssertThrowsError(try VolumeBinding(parsing: bad), bad)
        }
    }
}
