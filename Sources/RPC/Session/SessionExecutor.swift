/// The thread that owns a session. Handlers post their results through it; the session runs
/// only on it. `EventLoop` is the real one; tests and the fuzzer drain a queue inline.
protocol SessionExecutor: AnyObject, Sendable {
    func execute(_ job: @escaping @Sendable () -> Void)
}

extension EventLoop: SessionExecutor {}
