import XCTest
@testable import JobletClient

/// What fuzz/RnxConfigFuzz found (docs/fuzzing.md).
final class RnxConfigFuzzFindingsTests: XCTestCase {
    private let path = "/home/u/.rnx/rnx-config.yml"

    private func refusal(_ text: String) -> String? {
        do {
            _ = try RnxConfig(parsing: text, path: path)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Was: a trap in Yams.load ("Unexpectedly found nil", Constructor.swift:448), so rnx crashed.
    func testAKeyThatIsAListOrAMappingIsRefusedNamingItsLine() {
        XCTAssertEqual(refusal("{[a]: 1}\n"), "\(path): line 1: a mapping key must be a single value, not a list or a mapping")
        XCTAssertEqual(refusal("nodes:\n  default:\n    ? {address: x}\n    : y\n"),
                       "\(path): line 3: a mapping key must be a single value, not a list or a mapping")
        // The fuzzer's own input (invalid UTF-8 first, as the file's bytes are decoded).
        let found = String(decoding: [0xFE, 0xFF] + Array("des:\n?  b\\d:\n    add\t19s: 50051o".utf8), as: UTF8.self)
        XCTAssertEqual(refusal(found), "\(path): line 2: a mapping key must be a single value, not a list or a mapping")
    }

    /// Aliases expand without bound in Yams.load: a few hundred bytes could take all memory.
    func testADocumentThatExpandsPastTheLimitIsRefused() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...6 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        XCTAssertEqual(refusal(text), "\(path) is not an rnx config: more than 10000 values once its aliases are expanded")
    }

    func testAnOrdinaryConfigStillParses() throws {
        let config = try RnxConfig(parsing: "nodes:\n  prod:\n    address: h:1\n    cert: &c c.pem\n    ca: *c\n", path: path)
        XCTAssertEqual(config.nodes["prod"]?.address, "h:1")
        XCTAssertEqual(config.nodes["prod"]?.ca, .file("/home/u/.rnx/c.pem"))
    }
}
