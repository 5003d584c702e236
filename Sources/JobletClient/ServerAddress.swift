import Foundation

/// Where jobletd listens: `host:port`, `[v6]:port`, or a bare host (port 50051).
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    public static let defaultPort = 50051

    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; nil when it is no address (empty host, port outside 1...65535).
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            // More than one colon without brackets is a bare IPv6 address.
            if text.firstIndex(of: ":") == colon {
                host = String(text[..<colon])
                portText = text[text.index(after: colon)...]
            }
        }
        var port = ServerAddress.defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        }
        guard !host.isEmpty, !host.contains(where: { $0 == "/" || $0 == " " }) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
