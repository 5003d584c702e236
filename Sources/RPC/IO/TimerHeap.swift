/// The event loop's timers: a binary min-heap on deadline. Cancelling marks an id dead; dead
/// entries are dropped when they reach the top (cheaper than searching the heap).
/// Loop thread only.
struct TimerHeap {
    struct Entry {
        let deadline: ContinuousClock.Instant
        let id: UInt64
        let action: () -> Void
    }

    private var heap: [Entry] = []
    private var cancelled: Set<UInt64> = []
    private var nextID: UInt64 = 1

    var isEmpty: Bool { heap.isEmpty }

    mutating func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping () -> Void) -> UInt64 {
        let id = nextID
        nextID += 1
        heap.append(Entry(deadline: deadline, id: id, action: action))
        siftUp(heap.count - 1)
        return id
    }

    mutating func cancel(_ id: UInt64) {
        cancelled.insert(id)
    }

    /// Milliseconds until the earliest live timer (rounded up), or -1 when there is none.
    mutating func timeoutMilliseconds(now: ContinuousClock.Instant) -> Int32 {
        dropCancelledTop()
        guard let first = heap.first else { return -1 }
        if first.deadline <= now { return 0 }
        let (s, atto) = (first.deadline - now).components
        let ms = s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    /// Removes and returns the actions of every live timer due at `now`.
    mutating func popExpired(now: ContinuousClock.Instant) -> [() -> Void] {
        var due: [() -> Void] = []
        while true {
            dropCancelledTop()
            guard let first = heap.first, first.deadline <= now else { break }
            due.append(first.action)
            removeTop()
        }
        return due
    }

    private mutating func dropCancelledTop() {
        while let first = heap.first, cancelled.contains(first.id) {
            cancelled.remove(first.id)
            removeTop()
        }
        if heap.isEmpty { cancelled.removeAll(keepingCapacity: true) }
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ i: Int) {
        var i = i
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { return }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var i = i
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].deadline < heap[m].deadline { m = l }
            if r < heap.count && heap[r].deadline < heap[m].deadline { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
