/// Masks secret values as `***` in a byte stream that arrives in chunks (a job's log as
/// GetJobLogs reads it): a value split across two chunks is masked too. Bytes that could be the
/// start of a secret are held back until the next chunk shows whether they are one, or `finish`.
/// Same rule as `SecretMasker`: values shorter than 4 bytes are not masked.
public struct SecretStreamMasker: Sendable {
    private let secrets: [[UInt8]]
    /// first[b]: some secret starts with byte b (a quick skip for all other bytes).
    private let first: [Bool]
    private var carry: [UInt8] = []
    private static let mask = Array("***".utf8)

    public init(secretValues: some Sequence<String>) {
        secrets = Set(secretValues).map { Array($0.utf8) }.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
        var first = [Bool](repeating: false, count: 256)
        for s in secrets { first[Int(s[0])] = true }
        self.first = first
    }

    /// Whether there is anything to mask at all.
    public var isEmpty: Bool { secrets.isEmpty }

    /// The masked bytes of `chunk` that are certain now (maybe fewer than it had).
    public mutating func feed(_ chunk: [UInt8]) -> [UInt8] {
        if secrets.isEmpty { return chunk }
        let buffer = carry.isEmpty ? chunk : carry + chunk
        carry = []
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count)
        buffer.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            scan: while i < n {
                guard first[Int(b[i])] else { out.append(b[i]); i += 1; continue }
                // A secret that runs past the end might still complete: wait for more.
                for s in secrets where i + s.count > n && Self.matches(b, at: i, s, count: n - i) {
                    carry = Array(b[i...])
                    break scan
                }
                for s in secrets where i + s.count <= n && Self.matches(b, at: i, s, count: s.count) {
                    out += Self.mask
                    i += s.count
                    continue scan
                }
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    /// The held-back bytes, at the end of the stream (they are no secret: it ended).
    public mutating func finish() -> [UInt8] {
        defer { carry = [] }
        return carry
    }

    private static func matches(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ s: [UInt8], count: Int) -> Bool {
        for k in 0..<count where b[i + k] != s[k] { return false }
        return true
    }
}

/// A log reader whose chunks have the job's secret values masked (`SecretStreamMasker`).
public struct MaskedLogReader: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let reader: LogReader
    let masker: SecretStreamMasker

    public func makeAsyncIterator() -> Iterator { Iterator(inner: reader.makeAsyncIterator(), masker: masker) }

    public struct Iterator: AsyncIteratorProtocol {
        var inner: LogReader.Iterator
        var masker: SecretStreamMasker
        var done = false

        public mutating func next() async throws -> [UInt8]? {
            while !done {
                guard let chunk = try await inner.next() else {
                    done = true
                    let rest = masker.finish()
                    return rest.isEmpty ? nil : rest
                }
                let masked = masker.feed(chunk)
                if !masked.isEmpty { return masked }
            }
            return nil
        }
    }
}
