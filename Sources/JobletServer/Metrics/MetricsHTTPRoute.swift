/// What the /metrics listener answers to one HTTP/1.1 request head (bytes in, a response out;
/// no socket here, so it is tested byte by byte).
enum MetricsHTTPRoute: Equatable {
    case metrics(head: Bool)
    case status(Int, String)

    /// Largest request head read; past it, 431.
    static let maxHeadBytes = 8192

    static func route(_ head: [UInt8]) -> MetricsHTTPRoute {
        guard let end = head.firstIndex(of: UInt8(ascii: "\r")) ?? head.firstIndex(of: UInt8(ascii: "\n")) else {
            return .status(400, "no request line\n")
        }
        let parts = String(decoding: head[..<end], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .status(400, "malformed request line\n") }
        let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard path == "/metrics" else { return .status(404, "not found: only /metrics is served here\n") }
        switch parts[0] {
        case "GET": return .metrics(head: false)
        case "HEAD": return .metrics(head: true)
        default: return .status(405, "method \(parts[0]) not allowed: use GET /metrics\n")
        }
    }

    static func reason(_ code: Int) -> String {
        switch code {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 431: "Request Header Fields Too Large"
        default: "Error"
        }
    }

    static func response(code: Int, contentType: String, body: [UInt8], includeBody: Bool = true) -> [UInt8] {
        var head = "HTTP/1.1 \(code) \(reason(code))\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        if code == 405 { head += "Allow: GET, HEAD\r\n" }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + (includeBody ? body : [])
    }
}
