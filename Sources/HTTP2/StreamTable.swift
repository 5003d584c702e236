/// A map from stream id to `Value` for the per-connection stream registries, which are looked up
/// several times per call. Open addressing with linear probing; the home slot is the id shifted
/// right by one (a side's stream ids go up by two), so the streams open at one time mostly sit
/// in distinct slots and a lookup is a shift, a mask and one compare: no hashing.
public struct StreamTable<Value> {
    /// 0 marks an empty slot: stream 0 is the connection, never a stream.
    private var keys: [HTTP2StreamID]
    private var slots: [Value?]
    private var mask: Int
    public private(set) var count = 0

    /// Empty until the first insert: an idle connection keeps no slots.
    public init() {
        keys = []
        slots = []
        mask = 0
    }

    public var isEmpty: Bool { count == 0 }

    private func home(_ id: HTTP2StreamID) -> Int { Int(id >> 1) & mask }

    private func index(of id: HTTP2StreamID) -> Int? {
        guard id != 0, !keys.isEmpty else { return nil }
        var i = home(id)
        while true {
            let k = keys[i]
            if k == id { return i }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    public subscript(id: HTTP2StreamID) -> Value? {
        get { index(of: id).flatMap { slots[$0] } }
        set {
            if let newValue { insert(id, newValue) } else { _ = removeValue(forKey: id) }
        }
    }

    private mutating func insert(_ id: HTTP2StreamID, _ value: Value) {
        precondition(id != 0, "stream 0 is the connection, not a stream")
        if let i = index(of: id) {
            slots[i] = value
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        var i = home(id)
        while keys[i] != 0 { i = (i + 1) & mask }
        keys[i] = id
        slots[i] = value
        count += 1
    }

    @discardableResult
    public mutating func removeValue(forKey id: HTTP2StreamID) -> Value? {
        guard var hole = index(of: id) else { return nil }
        let removed = slots[hole]
        keys[hole] = 0
        slots[hole] = nil
        count -= 1
        // Backward-shift deletion: pull later entries of the probe run into the hole unless their
        // home slot lies cyclically after the hole (moving them would put them before their home).
        var j = hole
        while true {
            j = (j + 1) & mask
            let k = keys[j]
            if k == 0 { break }
            let h = home(k)
            let staysPut = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if staysPut { continue }
            keys[hole] = k
            slots[hole] = slots[j]
            keys[j] = 0
            slots[j] = nil
            hole = j
        }
        return removed
    }

    public mutating func removeAll() {
        guard count > 0 else { return }
        for i in keys.indices where keys[i] != 0 {
            keys[i] = 0
            slots[i] = nil
        }
        count = 0
    }

    /// Every value, in no particular order.
    public var values: [Value] {
        var out: [Value] = []
        out.reserveCapacity(count)
        for i in keys.indices where keys[i] != 0 {
            if let v = slots[i] { out.append(v) }
        }
        return out
    }

    private mutating func grow() {
        let oldKeys = keys, oldSlots = slots
        let size = max(16, oldKeys.count * 2)
        keys = Array(repeating: 0, count: size)
        slots = Array(repeating: nil, count: size)
        mask = keys.count - 1
        count = 0
        for i in oldKeys.indices where oldKeys[i] != 0 {
            if let v = oldSlots[i] { insert(oldKeys[i], v) }
        }
    }
}
