import CZlib

/// The message encodings we speak: `identity` and `gzip` (grpc-encoding).
public enum MessageEncoding: String, Sendable {
    case identity
    case gzip

    public static let acceptHeaderValue = "identity,gzip"
}

public enum GzipError: Error { case failed(String), tooLarge }

/// gzip of one message. Decompression stops at `limit` bytes, so a small bomb cannot grow
/// into a large allocation.
public enum Gzip {
    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard CJZlib_deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            throw GzipError.failed("deflateInit2")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let rc: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard rc == Z_STREAM_END else { throw GzipError.failed("deflate returned \(rc)") }
        out.removeSubrange(Int(stream.total_out)...)
        return out
    }

    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        guard CJZlib_inflateInit2(&stream, 15 + 32) == Z_OK else { throw GzipError.failed("inflateInit2") }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let (rc, produced): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = uInt(c.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return (rc, c.count - Int(stream.avail_out))
                }
                if out.count + produced > limit { throw GzipError.tooLarge }
                out.append(contentsOf: chunk[0..<produced])
                if rc == Z_STREAM_END { return }
                if rc != Z_OK { throw GzipError.failed("inflate returned \(rc)") }
                if stream.avail_in == 0 && produced == 0 { throw GzipError.failed("truncated gzip data") }
            }
        }
        return out
    }
}
