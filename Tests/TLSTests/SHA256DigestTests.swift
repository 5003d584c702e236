import Foundation
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

    func testFileDigestReadsTheWholeFile() throws {
        let path = NSTemporaryDirectory() + "sha256-\(getpid()).bin"
        let bytes = [UInt8](repeating: 0x61, count: 3 << 20)  // more than one 1 MiB read
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (size, hex) = try SHA256Digest.file(atPath: path)
        XCTAssertEqual(size, Int64(bytes.count))
        XCTAssertEqual(hex, SHA256Digest.hex(bytes))
        XCTAssertThrowsError(try SHA256Digest.file(atPath: path + ".missing")) {
            XCTAssertTrue("\($0)".contains("No such file"), "\($0)")
        }
    }
}
