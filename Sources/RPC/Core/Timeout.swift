/// `grpc-timeout`: up to 8 ASCII digits and a unit (H, M, S, m, u, n).
public enum GRPCTimeout {
    public static func parse(_ value: String) -> Duration? {
        let bytes = value.utf8  // walked in place: this runs on every call that has a deadline
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var amount: Int64 = 0
        for c in bytes.dropLast() {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(c - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// The shortest unit that fits in 8 digits.
    public static func encode(_ d: Duration) -> String {
        let (s, atto) = d.components
        let nanos = max(0, s) * 1_000_000_000 + atto / 1_000_000_000
        if nanos < 100_000_000 { return "\(nanos)n" }
        let micros = nanos / 1000
        if micros < 100_000_000 { return "\(micros)u" }
        let millis = micros / 1000
        if millis < 100_000_000 { return "\(millis)m" }
        let secs = millis / 1000
        if secs < 100_000_000 { return "\(secs)S" }
        return "\(min(secs / 3600, 99_999_999))H"
    }
}
