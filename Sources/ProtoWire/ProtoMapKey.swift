/// Map keys and the order maps are written in.
///
/// Keys are written sorted, as upb and protobuf C++ do with `deterministic=True`, so the same
/// message always encodes to the same bytes: strings by UTF-8 bytes, integers by value.
public protocol ProtoMapKey: Hashable, Sendable {
    static func protoKeyPrecedes(_ a: Self, _ b: Self) -> Bool
}

extension String: ProtoMapKey {
    @inlinable public static func protoKeyPrecedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
extension Int32: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: Int32, _ b: Int32) -> Bool { a < b } }
extension Int64: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: Int64, _ b: Int64) -> Bool { a < b } }
extension UInt32: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: UInt32, _ b: UInt32) -> Bool { a < b } }
extension UInt64: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: UInt64, _ b: UInt64) -> Bool { a < b } }
extension Bool: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: Bool, _ b: Bool) -> Bool { !a && b } }

public enum ProtoMapOrder {
    /// Calls `body` for each entry in key order; a map of 0 or 1 entries needs no sort.
    @inlinable
    public static func forEachSorted<K: ProtoMapKey, V>(_ map: [K: V], _ body: (K, V) -> Void) {
        if map.count <= 1 {
            for (k, v) in map { body(k, v) }
            return
        }
        for (k, v) in map.sorted(by: { K.protoKeyPrecedes($0.key, $1.key) }) { body(k, v) }
    }
}
