/// The status line and headers of a response.
public struct HTTP1ResponseHead: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var headers: [HTTP1Header]
}

/// What the parser found in the bytes fed so far.
public enum HTTP1ParseEvent: Sendable, Equatable {
    case head(HTTP1ResponseHead)
    case body([UInt8])
    /// The response is complete (for a body delimited by the connection closing: after `finish()`).
    case end
}

/// An HTTP/1.1 response parser, sans-IO: bytes in, events out (RFC 9112). Bodies framed by
/// `Transfer-Encoding: chunked` (extensions ignored, trailers read and dropped), by
/// `Content-Length`, or by the end of the connection; no body for HEAD, 1xx, 204 and 304.
/// Interim 1xx responses are skipped. Lines may end in CRLF or a bare LF.
///
/// Refused with `HTTP1Error`, and the connection is then useless: a head over `maxHeadBytes`,
/// a status line that is not HTTP/1.x, a header line without a colon or with a space before it,
/// conflicting or invalid `Content-Length`s, a transfer coding other than chunked, a chunk size
/// that is not hex or overflows, a chunk not followed by CRLF, and a message cut short by EOF.
public struct HTTP1ResponseParser: Sendable {
    private enum State: Sendable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    private var state: State = .head
    private var line: [UInt8] = []
    private var headBytes = 0
    private var statusLine: String?
    private var headers: [HTTP1Header] = []
    private let requestMethod: String
    public let maxHeadBytes: Int

    public init(requestMethod: String, maxHeadBytes: Int = 64 * 1024) {
        self.requestMethod = requestMethod
        self.maxHeadBytes = maxHeadBytes
    }

    /// Parses `bytes`, appending what they complete to `events`. Bytes after the end of the
    /// response are ignored (we send one request per connection).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into events: inout [HTTP1ParseEvent]) throws {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .done:
                return
            case .untilClose:
                events.append(.body(Array(bytes[i..<n])))
                return
            case .fixed(let remaining):
                let take = min(remaining, n - i)
                events.append(.body(Array(bytes[i..<(i + take)])))
                i += take
                if remaining == take {
                    state = .done
                    events.append(.end)
                } else {
                    state = .fixed(remaining: remaining - take)
                }
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                events.append(.body(Array(bytes[i..<(i + take)])))
                i += take
                state = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .head, .chunkSize, .chunkDataEnd, .trailers:
                // Line-oriented states: collect up to LF.
                let b = bytes[i]
                i += 1
                if case .head = state {
                    headBytes += 1
                    if headBytes > maxHeadBytes { throw HTTP1Error("response head larger than \(maxHeadBytes) bytes") }
                } else if line.count > 4096 {
                    throw HTTP1Error("chunk-size or trailer line longer than 4096 bytes")
                }
                if b != UInt8(ascii: "\n") {
                    line.append(b)
                    continue
                }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                let complete = line
                line.removeAll(keepingCapacity: true)
                try lineDone(complete, into: &events)
            }
        }
    }

    /// The connection ended. Ends a body framed by the close; anything else unfinished is an error.
    public mutating func finish(into events: inout [HTTP1ParseEvent]) throws {
        switch state {
        case .done:
            return
        case .untilClose:
            state = .done
            events.append(.end)
        case .head where statusLine == nil && headBytes == 0:
            throw HTTP1Error("the server closed the connection without answering")
        default:
            throw HTTP1Error("the server closed the connection in the middle of the response")
        }
    }

    private mutating func lineDone(_ line: [UInt8], into events: inout [HTTP1ParseEvent]) throws {
        switch state {
        case .head:
            if statusLine == nil {
                if line.isEmpty { return }  // tolerate blank lines before the status line (RFC 9112 §2.2)
                statusLine = String(decoding: line, as: UTF8.self)
                return
            }
            if !line.isEmpty {
                if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") {
                    throw HTTP1Error("obsolete header line folding is not accepted")
                }
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                    throw HTTP1Error("malformed header line \(String(reflecting: String(decoding: line.prefix(80), as: UTF8.self)))")
                }
                let name = line[..<colon]
                guard name.allSatisfy(HTTP1Syntax.isTokenByte) else {
                    throw HTTP1Error("malformed header name \(String(reflecting: String(decoding: name.prefix(80), as: UTF8.self)))")
                }
                let value = Self.trimmed(line[(colon + 1)...])
                headers.append(HTTP1Header(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
                return
            }
            try headDone(into: &events)
        case .chunkSize:
            var digits = line[...]
            if let semicolon = digits.firstIndex(of: UInt8(ascii: ";")) { digits = digits[..<semicolon] }  // extensions
            digits = Self.trimmed(digits)
            guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16), size >= 0 else {
                throw HTTP1Error("invalid chunk size \(String(reflecting: String(decoding: line.prefix(40), as: UTF8.self)))")
            }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkDataEnd:
            guard line.isEmpty else { throw HTTP1Error("chunk data not followed by CRLF") }
            state = .chunkSize
        case .trailers:
            if line.isEmpty {
                state = .done
                events.append(.end)
            }
        default:
            break
        }
    }

    private mutating func headDone(into events: inout [HTTP1ParseEvent]) throws {
        let status = try Self.parseStatusLine(statusLine ?? "")
        let head = HTTP1ResponseHead(status: status.code, reason: status.reason, headers: headers)
        statusLine = nil
        headers = []
        headBytes = 0
        if (100..<200).contains(status.code) && status.code != 101 {
            return  // interim response (100 Continue, 103 Early Hints): the real one follows
        }
        events.append(.head(head))
        if requestMethod == "HEAD" || status.code == 204 || status.code == 304 || status.code == 101 {
            state = .done
            events.append(.end)
            return
        }
        if let coding = head.headers.first(name: "Transfer-Encoding") {
            let codings = coding.split(separator: ",").map { $0.trimmingSpaces.lowercased() }
            guard codings.last == "chunked", codings.dropLast().allSatisfy({ $0 == "identity" }) else {
                throw HTTP1Error("unsupported Transfer-Encoding \(String(reflecting: coding))")
            }
            state = .chunkSize
            return
        }
        let lengths = head.headers.filter { $0.name.caseInsensitiveEquals("Content-Length") }
            .flatMap { $0.value.split(separator: ",").map { $0.trimmingSpaces } }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  first.utf8.count <= 18, let length = Int(first) else {
                throw HTTP1Error("invalid Content-Length \(String(reflecting: lengths.joined(separator: ", ")))")
            }
            if length == 0 {
                state = .done
                events.append(.end)
            } else {
                state = .fixed(remaining: length)
            }
            return
        }
        state = .untilClose
    }

    static func parseStatusLine(_ line: String) throws -> (code: Int, reason: String) {
        // HTTP-version SP 3DIGIT SP reason-phrase (the reason may be empty, the last SP too).
        let u = Array(line.utf8)
        guard u.count >= 12, u.starts(with: Array("HTTP/1.".utf8)), u[7] >= 0x30, u[7] <= 0x39, u[8] == 0x20,
              u[9...11].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), u.count == 12 || u[12] == 0x20 else {
            throw HTTP1Error("not an HTTP/1.x status line: \(String(reflecting: String(line.prefix(80))))")
        }
        let code = Int(u[9] - 0x30) * 100 + Int(u[10] - 0x30) * 10 + Int(u[11] - 0x30)
        guard code >= 100 else { throw HTTP1Error("invalid status code in \(String(reflecting: String(line.prefix(80))))") }
        let reason = u.count > 13 ? String(decoding: u[13...], as: UTF8.self) : ""
        return (code, reason)
    }

    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 0x20 || f == 0x09 { s.removeFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 { s.removeLast() }
        return s
    }

    static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
