// libFuzzer target for the HTTP/1.1 response parser (Sources/HTTP1).
// The first input byte picks the request method and a split point; the rest is the response.
// Parsed whole and parsed in two pieces at that point, the outcome must be the same: the same
// head, the same body bytes, the same end, the same error or none. Body bytes never outnumber
// the input's. Build and run with fuzz/run-http1-fuzz.sh.
import HTTP1

private struct Outcome: Equatable {
    var heads: [HTTP1ResponseHead] = []
    var body: [UInt8] = []
    var ends = 0
    var error: String?
}

private func run(_ bytes: ArraySlice<UInt8>, method: String, split: Int?, eof: Bool) -> Outcome {
    var parser = HTTP1ResponseParser(requestMethod: method, maxHeadBytes: 1024)
    var events: [HTTP1ParseEvent] = []
    var outcome = Outcome()
    do {
        let pieces = split.map { [bytes[..<$0], bytes[$0...]] } ?? [bytes]
        for piece in pieces { try Array(piece).withUnsafeBytes { try parser.feed($0, into: &events) } }
        if eof { try parser.finish(into: &events) }
    } catch {
        outcome.error = "\(error)"
    }
    for event in events {
        switch event {
        case .head(let head): outcome.heads.append(head)
        case .body(let b): outcome.body += b
        case .end: outcome.ends += 1
        }
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func http1ParseFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let control = data[0]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))[...]
    let method = control & 1 == 0 ? "GET" : "HEAD"
    let eof = control & 2 == 0
    let split = body.isEmpty ? 0 : Int(control >> 2) * body.count / 64
    let whole = run(body, method: method, split: nil, eof: eof)
    let halves = run(body, method: method, split: split, eof: eof)
    precondition(whole == halves, "split at \(split) changed the outcome: \(whole) vs \(halves)")
    precondition(whole.body.count <= body.count, "more body bytes than input bytes")
    precondition(whole.heads.count <= 1 && whole.ends <= 1, "two heads or two ends")
    return 0
}
