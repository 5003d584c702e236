import Synchronization

/// Bounds the memory that large request messages (those over the server's default message
/// limit, which only upload methods accept) may hold at once across all connections. A call
/// reserves a message's announced size when its prefix arrives, before any byte of it is kept,
/// and gives it back when the call ends. One lock, held for an addition.
public final class RequestMemoryBudget: Sendable {
    public let capacity: Int
    /// The configuration key that sets `capacity`, named in the error a refused call gets.
    public let setting: String
    private let used = Mutex(0)

    public init(capacity: Int, setting: String) {
        self.capacity = capacity
        self.setting = setting
    }

    /// Takes `bytes` from the budget, or returns false (and takes nothing) when they do not fit.
    public func reserve(_ bytes: Int) -> Bool {
        used.withLock { u in
            guard u + bytes <= capacity else { return false }
            u += bytes
            return true
        }
    }

    public func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }

    public var inUse: Int { used.withLock { $0 } }
}
