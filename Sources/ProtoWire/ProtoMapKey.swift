/// Map keys and the order maps are written in.
///
/// Keys are written sorted, so the same message always encodes to the same bytes, and in the
/// order Python's protobuf (upb) writes for `SerializeToString(deterministic=True)`, so our bytes
/// equal the reference codec's (checked by PythonCrossCheckTests):
/// - strings: ascending by UTF-8 bytes, except that a longer key comes before its own prefix
///   ("ab" before "a"; "" last);
/// - integers: descending by their 64-bit two's-complement pattern (5, 1, 0; negatives first);
/// - bools: true, then false.
/// protobuf C++ and Go sort plainly ascending instead; order never affects decoding.
public protocol ProtoMapKey: Hashable, Sendable {
    static func protoKeyPrecedes(_ a: Self, _ b: Self) -> Bool
}

extension String: ProtoMapKey {
    @inlinable public static func protoKeyPrecedes(_ a: String, _ b: String) -> Bool {
        var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case let (x?, y?): if x != y { return x < y }
            case (_?, nil): return true    // a is longer, b its prefix
            case (nil, _): return false
            }
        }
    }
}
extension Int32: ProtoMapKey {
    @inlinable public static func protoKeyPrecedes(_ a: Int32, _ b: Int32) -> Bool { UInt32(bitPattern: a) > UInt32(bitPattern: b) }
}
extension Int64: ProtoMapKey {
    @inlinable public static func protoKeyPrecedes(_ a: Int64, _ b: Int64) -> Bool { UInt64(bitPattern: a) > UInt64(bitPattern: b) }
}
extension UInt32: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: UInt32, _ b: UInt32) -> Bool { a > b } }
extension UInt64: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: UInt64, _ b: UInt64) -> Bool { a > b } }
extension Bool: ProtoMapKey { @inlinable public static func protoKeyPrecedes(_ a: Bool, _ b: Bool) -> Bool { a && !b } }

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
