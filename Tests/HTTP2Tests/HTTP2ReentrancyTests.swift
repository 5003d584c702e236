import HTTP2
import XCTest

/// The application reacts to events between receive() calls, in the middle of frames: submitting
/// from there must be safe, because no callback ever calls back into the application.
final class HTTP2ReentrancyTests: XCTestCase {
    func testEchoWhileRequestArrivesByteByByte() throws {
        let pair = try HTTP2Pair()
        let stream = try pair.client.submitRequest(headers: HTTP2Pair.requestHeaders, endStream: false)
        let message = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        try pair.client.submitData(stream: stream, bytes: message, endStream: true)
        var toServer: [UInt8] = []
        try pair.client.send(into: &toServer)

        var echoed: [UInt8] = []
        for index in toServer.indices {
            try toServer[index...index].withUnsafeBytes { try pair.server.receive($0) }
            for event in pair.server.takeEvents() {
                switch event {
                case .headers(let id, _, _):
                    try pair.server.submitHeaders(stream: id, headers: HTTP2Pair.responseHeaders, endStream: false)
                case .data(let id, let bytes, let endStream):
                    try pair.server.submitData(stream: id, bytes: bytes, endStream: false)
                    echoed += bytes
                    if endStream { try pair.server.submitTrailers(stream: id, headers: HTTP2Pair.trailers) }
                default:
                    break
                }
            }
            // Send mid-request, so responses interleave with the remaining request bytes.
            var toClient: [UInt8] = []
            try pair.server.send(into: &toClient)
            try pair.deliver(toClient, to: pair.client)
            pair.collect()
        }
        try pair.pump()
        XCTAssertEqual(echoed, message)
        XCTAssertEqual(pair.clientEvents.bytes(on: stream), message)
        XCTAssertEqual(pair.clientEvents.closeCode(of: stream), 0)
    }
}
