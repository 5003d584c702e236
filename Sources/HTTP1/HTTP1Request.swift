/// One HTTP/1.1 request, serialized whole: jobletd's requests are small JSON documents.
public struct HTTP1Request: Sendable {
    public var method: String
    /// Origin form: the path and query, e.g. `/api/get?request_id=abc`.
    public var target: String
    public var headers: [HTTP1Header]
    public var body: [UInt8]

    public init(method: String, target: String, headers: [HTTP1Header] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The request's bytes: request line, `Host`, our headers, `Content-Length` when there is a
    /// body (or the method usually has one), `Connection: close` (one request per connection),
    /// then the body. Throws for a method, target or header that would break the framing
    /// (CR, LF or NUL anywhere; a method or header name that is not a token).
    public func serialized(host: String) throws -> [UInt8] {
        guard !method.isEmpty, method.utf8.allSatisfy(HTTP1Syntax.isTokenByte) else {
            throw HTTP1Error("invalid request method \(String(reflecting: method))")
        }
        guard target.hasPrefix("/"), target.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw HTTP1Error("invalid request target \(String(reflecting: target)): must start with / and hold no spaces or control characters")
        }
        guard HTTP1Syntax.isFieldValue(host), !host.isEmpty else { throw HTTP1Error("invalid Host \(String(reflecting: host))") }
        var out: [UInt8] = []
        out.reserveCapacity(256 + body.count)
        out += "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n".utf8
        var hasLength = false
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(HTTP1Syntax.isTokenByte) else {
                throw HTTP1Error("invalid header name \(String(reflecting: header.name))")
            }
            guard HTTP1Syntax.isFieldValue(header.value) else {
                throw HTTP1Error("invalid value for header \(header.name): CR, LF and NUL are not allowed")
            }
            let lower = header.name.lowercased()
            if lower == "host" || lower == "connection" || lower == "transfer-encoding" { continue }  // ours
            if lower == "content-length" { hasLength = true }
            out += "\(header.name): \(header.value)\r\n".utf8
        }
        if !hasLength && (!body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH") {
            out += "Content-Length: \(body.count)\r\n".utf8
        }
        out += "Connection: close\r\n\r\n".utf8
        out += body
        return out
    }
}

/// A header field as sent or received (names compared case-insensitively).
public struct HTTP1Header: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTP1Header {
    /// The first value of the header `name` (case-insensitive), if any.
    public func first(name: String) -> String? {
        first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

/// A malformed message, or one past a limit.
public struct HTTP1Error: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

enum HTTP1Syntax {
    /// RFC 9110 tchar.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    static func isFieldValue(_ s: String) -> Bool {
        !s.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in HTTP1ResponseParser.lower(x) == HTTP1ResponseParser.lower(y) }
    }
}
