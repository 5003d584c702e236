/// A job's log as an async sequence of chunks: everything written so far, then (when following)
/// live output until the log is closed and its end reached.
///
/// Each iterator reads the FILE with its own descriptor at its own pace, so a slow reader holds no
/// buffer that could fill, loses nothing and never slows the writer or other readers. At the end
/// of the file it waits for an in-process append or the next poll tick (for a file that another
/// process appends to).
public struct LogReader: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let store: LogStore
    let channel: LogChannel
    let follow: Bool
    let chunkSize: Int
    let startOffset: Int64

    public func makeAsyncIterator() -> Iterator {
        Iterator(reader: self, offset: startOffset)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: LogReader
        var offset: Int64
        var file: LogFile?
        var finished = false

        init(reader: LogReader, offset: Int64) {
            self.reader = reader
            self.offset = offset
        }

        public mutating func next() async throws -> [UInt8]? {
            while !finished {
                try Task.checkCancellation()
                // Taken before reading, so an append after this read bumps the generation.
                let snapshot = reader.channel.snapshot
                if file == nil { file = try LogFile.openForReading(reader.channel.path) }
                if let file {
                    let chunk = try file.read(at: offset, count: reader.chunkSize)
                    if !chunk.isEmpty {
                        offset += Int64(chunk.count)
                        return chunk
                    }
                }
                if snapshot.closed || !reader.follow {
                    finished = true
                    file = nil
                    break
                }
                await reader.store.waitForChange(on: reader.channel, after: snapshot.generation)
            }
            return nil
        }
    }
}
