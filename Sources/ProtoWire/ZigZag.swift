/// sint32/sint64 mapping: small magnitudes of either sign become small varints.
public enum ZigZag {
    @inlinable public static func encode32(_ v: Int32) -> UInt32 { UInt32(bitPattern: (v &<< 1) ^ (v >> 31)) }
    @inlinable public static func encode64(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v &<< 1) ^ (v >> 63)) }
    @inlinable public static func decode32(_ n: UInt32) -> Int32 { Int32(bitPattern: (n >> 1) ^ (0 &- (n & 1))) }
    @inlinable public static func decode64(_ n: UInt64) -> Int64 { Int64(bitPattern: (n >> 1) ^ (0 &- (n & 1))) }
}
