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

    /// Back to the state of a new queue, keeping a small chunk list's storage (queues are reused
    /// from stream to stream).
    func reset() {
        if chunks.capacity <= 16 { chunks.removeAll(keepingCapacity: true) } else { chunks = [] }
        head = 0
        offset = 0
        queuedBytes = 0
        reserved = 0
        endRequested = false
        trailers = nil
        deferred = false
        finished = false
    }

    func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        queuedBytes += bytes.count
        chunks.append(bytes)
    }

    /// Appends up to `count` bytes to `out` (one memcpy per chunk, no zero-filling first).
    func read(appendingTo out: inout [UInt8], count: Int) -> Int {
        var copied = 0
        while copied < count, head < chunks.count {
            let chunk = chunks[head]
            let take = min(chunk.count - offset, count - copied)
            out.append(contentsOf: chunk[offset..<(offset + take)])
            copied += take
            offset += take
            if offset == chunk.count {
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
