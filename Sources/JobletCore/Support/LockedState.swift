import Foundation

/// A value guarded by one `NSLock`; every access is a short critical section.
///
/// Concurrency: one lock. Closures passed to `withLock` must not block or suspend.
final class LockedState<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
