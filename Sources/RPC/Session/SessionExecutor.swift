/// The thread that owns a session. Handlers post their results through it; the session runs
/// only on it. `EventLoop` is the real one; tests and the fuzzer drain a queue inline.
protocol SessionExecutor: AnyObject, Sendable {
    func execute(_ job: @escaping @Sendable () -> Void)
    /// Where `.eventLoop` handlers run; nil runs them on the global pool.
    var handlerExecutor: (any TaskExecutor)? { get }
    /// True on the executor's own thread: a caller there may touch the session directly.
    var isCurrent: Bool { get }
    /// Runs `action` on this executor at `deadline` (called on the executor's thread).
    func scheduleTimer(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> SessionTimer
    func cancelTimer(_ timer: SessionTimer)
}

/// A scheduled deadline: an entry in an event loop's timer heap, or a sleeping task elsewhere.
enum SessionTimer {
    case loop(UInt64)
    case task(Task<Void, Never>)
}

extension SessionExecutor {
    var handlerExecutor: (any TaskExecutor)? { nil }
    var isCurrent: Bool { false }

    /// Executors without a timer heap of their own (tests, the fuzzer) sleep in a task.
    func scheduleTimer(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> SessionTimer {
        .task(Task { [self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            if !Task.isCancelled { execute(action) }
        })
    }

    func cancelTimer(_ timer: SessionTimer) {
        if case .task(let t) = timer { t.cancel() }
    }
}

extension EventLoop: SessionExecutor {
    var handlerExecutor: (any TaskExecutor)? { self }

    func scheduleTimer(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> SessionTimer {
        .loop(scheduleTimer(at: deadline, action as () -> Void))
    }

    func cancelTimer(_ timer: SessionTimer) {
        switch timer {
        case .loop(let id): cancelTimer(id)
        case .task(let t): t.cancel()
        }
    }
}
