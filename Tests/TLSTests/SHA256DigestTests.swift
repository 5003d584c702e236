import XCTest
@testable import TLS

/// SHA-256 over OpenSSL (artifact hashes, issue 19): FIPS 180-2's known answers, in pieces.
final class SHA256DigestTests: XCTestCase {
    func testKnownAnswers() {
        XCTAssertEqual(SHA256Digest.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Digest.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testIncrementalEqualsOneShot() {
        let text = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        let digest = SHA256Digest()
        for piece in stride(from: 0, to: text.count, by: 7) {
            text[piece..<min(piece + 7, text.count)].withUnsafeBytes { digest.update($0) }
        }
        XCTAssertEqual(digest.finalizeHex(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
