/// Turns a chunked byte stream into whole lines (without the `\n`); a line split across chunks
/// is kept until its end arrives. Not thread-safe: one per stream.
struct LogLineSplitter {
    private var pending: [UInt8] = []

    /// The complete lines in `pending` + `chunk`.
    mutating func feed(_ chunk: some Sequence<UInt8>) -> [String] {
        pending.append(contentsOf: chunk)
        var lines: [String] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(Self.decode(pending[start..<newline]))
            start = newline + 1
        }
        pending.removeSubrange(pending.startIndex..<start)
        return lines
    }

    /// What is left once the stream ended: the last line if it had no `\n`.
    mutating func finish() -> [String] {
        defer { pending.removeAll() }
        return pending.isEmpty ? [] : [Self.decode(pending[...])]
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
