// libFuzzer target for the ProtoWire decoder and the generated messages.
// Every input is decoded as every message type (JobletAPI's and the all-field-shapes test
// fixture's); whatever decodes must re-encode to bytes that decode again and re-encode
// identically (bytes, not ==, so NaN payloads compare too).
// Build and run with fuzz/run-proto-fuzz.sh.
import AllTypesFixture
import JobletAPI
import ProtoWire

private let messageTypes: [any ProtoMessage.Type] =
    JobletAPIRegistry.messageTypes.merging(FixtureRegistry.messageTypes) { a, _ in a }
        .sorted { $0.key < $1.key }.map(\.value)

private func check<M: ProtoMessage>(_ type: M.Type, _ input: UnsafeRawBufferPointer) {
    guard let first = try? M(serializedBytes: input) else { return }
    let once = first.serializedBytes()
    precondition(once.count == first.serializedSize, "\(M.protoMessageName): size mismatch")
    let second: M
    do {
        second = try M(serializedBytes: once)
    } catch {
        fatalError("\(M.protoMessageName): own encoding does not decode: \(error)")
    }
    let twice = second.serializedBytes()
    precondition(once == twice, "\(M.protoMessageName): re-encoding is not stable")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func protoDecodeFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for type in messageTypes { check(type, input) }
    return 0
}
