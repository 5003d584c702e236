import XCTest
@testable import RPC

final class AcceptEncodingTests: XCTestCase {
    func testFindsGzipInTheAcceptList() {
        XCTAssertTrue(GRPCServerSession.listsGzip("gzip"))
        XCTAssertTrue(GRPCServerSession.listsGzip("identity,deflate,gzip"))
        XCTAssertTrue(GRPCServerSession.listsGzip("identity, gzip ,deflate"))
        XCTAssertFalse(GRPCServerSession.listsGzip("identity,deflate"))
        XCTAssertFalse(GRPCServerSession.listsGzip("gzipx,xgzip,gzi"))
        XCTAssertFalse(GRPCServerSession.listsGzip(""))
    }
}
