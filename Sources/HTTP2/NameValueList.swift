internal import CNghttp2

/// Calls `body` with `headers` as an nghttp2_nv array. The pointers live only during the call;
/// that is enough because nghttp2 copies name/value pairs when they are submitted.
/// Names, values and the array sit in temporary allocations (on the stack for the usual few
/// hundred bytes): every response makes two of these calls, headers and trailers.
func withNameValues<Result>(_ headers: [HTTP2Header],
                            _ body: (UnsafePointer<nghttp2_nv>?, Int) -> Result) -> Result {
    // All names and values back to back; one spare byte keeps the buffer non-empty.
    let byteCount = headers.reduce(1) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount) { bytes in
        withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(headers.count, 1)) { list in
            var offset = 0
            for (i, header) in headers.enumerated() {
                let name = copy(header.name, into: bytes, at: &offset)
                let value = copy(header.value, into: bytes, at: &offset)
                list.initializeElement(at: i, to: nghttp2_nv(
                    name: name.base, value: value.base, namelen: name.count, valuelen: value.count,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
            }
            defer { list.baseAddress!.deinitialize(count: headers.count) }
            return body(UnsafePointer(list.baseAddress), headers.count)
        }
    }
}

/// Copies `string`'s UTF-8 into `buffer` at `offset`, advancing it; returns where it went.
private func copy(_ string: String, into buffer: UnsafeMutableBufferPointer<UInt8>,
                  at offset: inout Int) -> (base: UnsafeMutablePointer<UInt8>, count: Int) {
    let start = buffer.baseAddress! + offset
    var string = string
    let count = string.withUTF8 { utf8 in
        if let source = utf8.baseAddress { start.update(from: source, count: utf8.count) }
        return utf8.count
    }
    offset += count
    return (start, count)
}
