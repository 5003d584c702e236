import Synchronization

/// Counts SkyPilot API requests that failed (no answer, a transport error, or 503), each retry
/// included, for jobletd's /metrics. One process-wide atomic: the adapter has no metrics library.
public enum SkyPilotMetrics {
    private static let errors = Atomic<Int>(0)

    public static var requestErrors: Int { errors.load(ordering: .relaxed) }

    static func requestFailed() { errors.add(1, ordering: .relaxed) }
}
