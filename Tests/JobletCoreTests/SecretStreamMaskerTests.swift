import JobletCore
import XCTest

final class SecretStreamMaskerTests: XCTestCase {
    private func mask(_ chunks: [String], secrets: [String]) -> String {
        var masker = SecretStreamMasker(secretValues: secrets)
        var out: [UInt8] = []
        for chunk in chunks { out += masker.feed(Array(chunk.utf8)) }
        out += masker.finish()
        return String(decoding: out, as: UTF8.self)
    }

    func testWholeValuesAreMasked() {
        XCTAssertEqual(mask(["a=hunter22 b=hunter22\n"], secrets: ["hunter22"]), "a=*** b=***\n")
    }

    func testValueSplitAcrossChunksIsMasked() {
        XCTAssertEqual(mask(["token=abc", "defgh end"], secrets: ["abcdefgh"]), "token=*** end")
        XCTAssertEqual(mask(["x", "a", "b", "c", "d", "y"], secrets: ["abcd"]), "x***y")
    }

    func testLongestSecretWinsWhenOneIsAPrefixOfAnother() {
        XCTAssertEqual(mask(["abcd", "efgh!"], secrets: ["abcd", "abcdefgh"]), "***!")
        XCTAssertEqual(mask(["abcd", "xyz"], secrets: ["abcd", "abcdefgh"]), "***xyz")
    }

    func testAHeldBackPrefixThatNeverCompletesIsReleasedAtTheEnd() {
        XCTAssertEqual(mask(["the end: abc"], secrets: ["abcdefgh"]), "the end: abc")
    }

    func testShortValuesAndNoSecretsLeaveTextAlone() {
        XCTAssertEqual(mask(["x=abc\n"], secrets: ["abc"]), "x=abc\n")
        XCTAssertEqual(mask(["plain\n"], secrets: []), "plain\n")
    }
}
