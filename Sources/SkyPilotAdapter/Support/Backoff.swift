/// Exponential back-off with jitter: each delay doubles up to `max`, and the wait is a random
/// point in its upper half so that many clients retrying together spread out.
struct Backoff: Sendable {
    let min: Duration
    let max: Duration
    private(set) var current: Duration

    init(min: Duration, max: Duration) {
        self.min = min
        self.max = Swift.max(min, max)
        self.current = min
    }

    /// The next wait, and the delay doubled for the one after.
    mutating func next() -> Duration {
        let base = current
        current = Swift.min(current * 2, max)
        let jitter = Double.random(in: 0.5...1.0)
        return base * jitter
    }

    mutating func reset() {
        current = min
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
