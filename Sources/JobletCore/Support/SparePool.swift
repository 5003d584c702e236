import Foundation

/// Things made ahead of the moment they are needed, so that making them is off a latency-sensitive
/// path: warm job inits, spare job directories, spare log files. Up to `size` are kept; `take()`
/// hands one out; `refill()` makes more on a queue of the pool's own (callers refill once their
/// own latency-sensitive step is done, so that making spares does not compete with it); `close()`
/// discards what is left. Three failures in a row end a refill; the next `refill()` tries again.
///
/// Concurrency: one lock around the list and the refill state; `make` and `discard` run outside it.
public final class SparePool<Item: Sendable>: Sendable {
    public let size: Int
    /// Makes the n-th item (n counts from 1, for unique names).
    private let make: @Sendable (Int) throws -> Item
    private let discard: @Sendable (Item) -> Void
    private let failed: @Sendable (any Error) -> Void
    private let state = LockedState(State())
    private let queue: DispatchQueue

    private struct State {
        var items: [Item] = []
        var refilling = false
        var closed = false
        var made = 0
        var failures = 0
    }

    /// Whether `name` (`<prefix>-<pid>-<n>`) is a spare of a jobletd process that is gone, so that
    /// a starting jobletd may remove it (never another live server's, never its own).
    public static func isStale(_ name: String, prefix: String) -> Bool {
        guard name.hasPrefix(prefix + "-") else { return false }
        let parts = name.split(separator: "-")
        guard parts.count == 3, let pid = Int32(parts[1]), pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Starts filling right away.
    public init(label: String, size: Int, make: @escaping @Sendable (Int) throws -> Item,
                discard: @escaping @Sendable (Item) -> Void, failed: @escaping @Sendable (any Error) -> Void) {
        self.size = size
        self.make = make
        self.discard = discard
        self.failed = failed
        queue = DispatchQueue(label: label)
        refill()
    }

    // Not close(): no refill holds a reference to a pool it would wait for (it holds the pool).
    deinit { close(waitForRefill: false) }

    /// The oldest spare, or nil; it is the caller's now.
    public func take() -> Item? {
        state.withLock { s in s.items.isEmpty ? nil : s.items.removeFirst() }
    }

    /// Makes spares until there are `size`, on the pool's queue; returns at once.
    public func refill() {
        let start = state.withLock { s -> Bool in
            guard !s.closed, !s.refilling, s.items.count < size else { return false }
            s.refilling = true
            s.failures = 0
            return true
        }
        guard start else { return }
        queue.async { [self] in
            while true {
                let next = state.withLock { s -> Int? in
                    guard !s.closed, s.items.count < size, s.failures < 3 else {
                        s.refilling = false
                        return nil
                    }
                    s.made += 1
                    return s.made
                }
                guard let n = next else { return }
                do {
                    let item = try make(n)
                    let kept = state.withLock { s -> Bool in
                        s.failures = 0
                        guard !s.closed else { return false }
                        s.items.append(item)
                        return true
                    }
                    if !kept { discard(item) }
                } catch {
                    state.withLock { $0.failures += 1 }
                    failed(error)
                }
            }
        }
    }

    /// Discards every spare and makes new ones (they were made under conditions that changed).
    public func renew() {
        queue.sync {}  // a refill under way finishes first
        let old = state.withLock { s -> [Item] in
            defer { s.items = [] }
            return s.items
        }
        old.forEach(discard)
        refill()
    }

    /// No more refills; the spares left are discarded. `waitForRefill`: a refill under way
    /// finishes first (and discards what it made), so nothing outlives the call.
    public func close(waitForRefill: Bool = true) {
        state.withLock { $0.closed = true }
        if waitForRefill { queue.sync {} }
        let left = state.withLock { s -> [Item] in
            defer { s.items = [] }
            return s.items
        }
        left.forEach(discard)
    }
}
