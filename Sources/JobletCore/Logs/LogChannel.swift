/// One job's log: the in-process writer's descriptor and the followers waiting for more bytes.
///
/// Concurrency: two locks that are never held together. `writer` serializes appends (only writers
/// take it: readers never slow a writer); `state` guards the generation counter, the closed flag
/// and the waiting followers, each access a few instructions.
final class LogChannel: Sendable {
    struct State {
        /// Bumped on every append, notification and close.
        var generation: UInt64 = 0
        var closed = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var canceledWaiters: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
    }

    let path: String
    private let writer = LockedState<LogFile?>(nil)
    private let state = LockedState(State())

    init(path: String) {
        self.path = path
    }

    var snapshot: (generation: UInt64, closed: Bool) {
        state.withLock { ($0.generation, $0.closed) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try writer.withLock { file in
            if file == nil { file = try LogFile.openForAppending(path) }
            try file!.writeAll(bytes)
        }
        changed()
    }

    /// Wakes every follower to look at the file again.
    func changed() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Wakes the followers for a poll tick; returns how many there were.
    func tick() -> Int {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
        return waiters.count
    }

    var hasWaiters: Bool { state.withLock { !$0.waiters.isEmpty } }

    func close() {
        writer.withLock { $0 = nil }
        state.withLock { $0.closed = true }
        changed()
    }

    /// Returns when something changes after `generation`, at the next poll tick, or on cancellation.
    /// `registered` runs once the waiter is in place (and not when it returns at once).
    func wait(after generation: UInt64, registered: () -> Void) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != generation || state.closed || state.canceledWaiters.remove(id) != nil {
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() } else { registered() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let continuation = state.waiters.removeValue(forKey: id) else {
                    state.canceledWaiters.insert(id)
                    return nil
                }
                return continuation
            }
            continuation?.resume()
        }
        // A cancellation that raced a normal wake-up leaves its id behind; drop it.
        state.withLock { _ = $0.canceledWaiters.remove(id) }
    }
}
