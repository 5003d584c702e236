import TLS
import XCTest

final class TLSDataTests: XCTestCase {
    var pair: TLSPair!

    override func setUpWithError() throws {
        let pki = TestPKI.shared
        let server = try TLSConfiguration.server(certificateFile: pki.serverCertificate, privateKeyFile: pki.serverKey,
                                                 caFile: pki.caFile)
        let client = try TLSConfiguration.client(certificateFile: pki.clientCertificate("admin"),
                                                 privateKeyFile: pki.clientKey("admin"), caFile: pki.caFile)
        pair = try TLSPair(server: server, client: client)
    }

    func testPlaintextBothWays() throws {
        pair.handshake()
        XCTAssertEqual(try pair.send(Array("ping".utf8), from: pair.client, to: pair.server), Array("ping".utf8))
        XCTAssertEqual(try pair.send(Array("pong".utf8), from: pair.server, to: pair.client), Array("pong".utf8))
    }

    func testOneMebibyteBothWays() throws {
        pair.handshake()
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        XCTAssertEqual(try pair.send(payload, from: pair.client, to: pair.server), payload)
        XCTAssertEqual(try pair.send(payload, from: pair.server, to: pair.client), payload)
    }

    func testCiphertextFedInOddPiecesWithReadsBetween() throws {
        pair.handshake()
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try payload.withUnsafeBytes { try pair.client.writePlaintext($0) }
        var cipher: [UInt8] = []
        pair.client.drainCiphertext(into: &cipher)
        XCTAssertGreaterThan(cipher.count, payload.count)
        var received: [UInt8] = []
        var offset = 0
        var piece = 1
        while offset < cipher.count {  // 1, 2, 3 … 1500-byte pieces: records split everywhere
            let end = min(cipher.count, offset + piece)
            cipher[offset..<end].withUnsafeBytes { pair.server.feedCiphertext($0) }
            _ = try pair.server.readPlaintext(into: &received)
            offset = end
            piece = piece % 1500 + 1
        }
        XCTAssertEqual(received.count, payload.count)
        XCTAssertEqual(received, payload)
        XCTAssertEqual(try pair.server.readPlaintext(into: &received), .wantMore)
    }

    func testReadAppendsToExistingBytes() throws {
        pair.handshake()
        try Array("world".utf8).withUnsafeBytes { try pair.client.writePlaintext($0) }
        pair.transfer()
        var buffer = Array("hello ".utf8)
        XCTAssertEqual(try pair.server.readPlaintext(into: &buffer), .bytes(5))
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "hello world")
        XCTAssertEqual(try pair.server.readPlaintext(into: &buffer), .wantMore)
    }

    func testPlaintextWrittenBeforeHandshakeIsSentAfterIt() throws {
        try Array("early".utf8).withUnsafeBytes { try pair.client.writePlaintext($0) }
        pair.handshake()
        var received: [UInt8] = []
        for _ in 0..<5 {
            pair.transfer()
            _ = try pair.server.readPlaintext(into: &received)
        }
        XCTAssertEqual(received, Array("early".utf8))
    }

    func testShutdownIsSeenAsClosed() throws {
        pair.handshake()
        pair.client.shutdown()
        pair.transfer()
        var buffer: [UInt8] = []
        XCTAssertEqual(try pair.server.readPlaintext(into: &buffer), .closed)
        XCTAssertEqual(try pair.server.readPlaintext(into: &buffer), .closed)
    }
}
