/// Told about every call a server finishes: its method, status and how long its handler ran
/// (interceptors included). For metrics; it runs on the call's task, so it must be quick and
/// must not block.
public protocol ServerCallObserver: Sendable {
    func callEnded(path: String, code: RPCStatusCode, duration: Duration)
}
