/// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
public enum RPCStatusCode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ok = 0, cancelled, unknown, invalidArgument, deadlineExceeded, notFound, alreadyExists,
         permissionDenied, resourceExhausted, failedPrecondition, aborted, outOfRange,
         unimplemented, `internal`, unavailable, dataLoss, unauthenticated

    /// The upper-case name used by every gRPC implementation, e.g. `PERMISSION_DENIED`.
    public var name: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internal: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        }
    }

    public var description: String { name }
}

/// The error a handler throws to end a call with a status other than OK.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    public var code: RPCStatusCode
    public var message: String
    public var trailingMetadata: Metadata

    public init(_ code: RPCStatusCode, _ message: String, trailingMetadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.trailingMetadata = trailingMetadata
    }

    public var description: String { "\(code.name): \(message)" }
}

/// `grpc-message` is percent-encoded: bytes outside printable ASCII, and '%' itself.
public enum GRPCMessageCoding {
    public static func encode(_ message: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(message.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in message.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decoding is lenient, as the spec asks: a malformed escape is kept as it is.
    public static func decode(_ encoded: String) -> String {
        let bytes = Array(encoded.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
