internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A TLS failure: what we were doing, plus every entry OpenSSL had queued, so the message says why.
public struct TLSError: Error, CustomStringConvertible, Sendable, Hashable {
    public var reason: String
    public var openSSLErrors: [String]

    public init(reason: String, openSSLErrors: [String] = []) {
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        openSSLErrors.isEmpty ? reason : "\(reason): \(openSSLErrors.joined(separator: "; "))"
    }

    /// Builds an error from `reason` and drains OpenSSL's thread-local error queue into it.
    /// Draining matters: a stale entry left behind would be blamed on the next, unrelated call.
    static func drainingQueue(_ reason: String) -> TLSError {
        TLSError(reason: reason, openSSLErrors: drainOpenSSLErrors())
    }
}

/// Empties OpenSSL's error queue, oldest first, as "library: reason (detail)" strings.
func drainOpenSSLErrors() -> [String] {
    var errors: [String] = []
    while true {
        var data: UnsafePointer<CChar>?
        var flags: Int32 = 0
        let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
        if code == 0 { break }
        var text = ""
        if let lib = ERR_lib_error_string(code) { text += String(cString: lib) + ": " }
        if code & systemErrorFlag != 0 {
            // ERR_LIB_SYS entries carry an errno, which OpenSSL leaves unnamed.
            text += String(cString: strerror(Int32(code & ~systemErrorFlag)))
        } else if let reason = ERR_reason_error_string(code) {
            text += String(cString: reason)
        } else {
            text += "error \(ERR_GET_REASON(code))"
        }
        if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
            text += " (\(String(cString: data)))"
        }
        errors.append(text)
    }
    return errors
}

/// ERR_SYSTEM_FLAG: set on codes whose low bits are an errno (a macro Swift does not import).
private let systemErrorFlag: UInt = 1 << 31
