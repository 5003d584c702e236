/// One stream's DATA waiting to be framed, plus how the stream should end.
/// A class so the data provider callback can mutate it in place through the dictionary lookup.
final class OutboundQueue {
    private var chunks: [[UInt8]] = []
    /// Index of the first chunk not fully sent, and how much of it was sent.
    private var head = 0
    private var offset = 0
    private(set) var queuedBytes = 0
    /// Bytes promised to nghttp2 for frames not yet written (no-copy DATA in flight).
    var reserved = 0

    /// The application asked for END_STREAM after the queued bytes (with trailers, if any).
    var endRequested = false
    var trailers: [HTTP2Header]?
    /// The data provider returned NGHTTP2_ERR_DEFERRED: resume it when something is queued.
    var deferred = false
    /// EOF went to nghttp2: nothing more may be queued.
    var finished = false

    func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        queuedBytes += bytes.count
        chunks.append(bytes)
    }

    /// Copies up to `destination.count` bytes out, across chunks so frames stay full.
    func read(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var copied = 0
        while copied < destination.count, head < chunks.count {
            let take = chunks[head].withUnsafeBytes { chunk -> Int in
                let take = min(chunk.count - offset, destination.count - copied)
                UnsafeMutableRawBufferPointer(rebasing: destination[copied..<(copied + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: chunk[offset..<(offset + take)]))
                return take
            }
            copied += take
            offset += take
            if offset == chunks[head].count {
                head += 1
                offset = 0
            }
        }
        queuedBytes -= copied
        compact()
        return copied
    }

    /// Drops sent chunks without moving the array on every frame.
    private func compact() {
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }
}
