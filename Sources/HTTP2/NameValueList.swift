internal import CNghttp2

/// Calls `body` with `headers` as an nghttp2_nv array. The pointers live only during the call;
/// that is enough because nghttp2 copies name/value pairs when they are submitted.
func withNameValues<Result>(_ headers: [HTTP2Header],
                            _ body: (UnsafePointer<nghttp2_nv>?, Int) -> Result) -> Result {
    // All names and values back to back in one allocation; a trailing byte keeps the base non-nil.
    var storage: [UInt8] = []
    storage.reserveCapacity(headers.reduce(1) { $0 + $1.name.utf8.count + $1.value.utf8.count })
    var ranges: [(name: Range<Int>, value: Range<Int>)] = []
    ranges.reserveCapacity(headers.count)
    for header in headers {
        let nameStart = storage.count
        storage.append(contentsOf: header.name.utf8)
        let valueStart = storage.count
        storage.append(contentsOf: header.value.utf8)
        ranges.append((nameStart..<valueStart, valueStart..<storage.count))
    }
    storage.append(0)
    return storage.withUnsafeMutableBufferPointer { bytes in
        let base = bytes.baseAddress!
        let list = ranges.map { range in
            nghttp2_nv(name: base + range.name.lowerBound, value: base + range.value.lowerBound,
                       namelen: range.name.count, valuelen: range.value.count,
                       flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
        }
        return list.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
    }
}
