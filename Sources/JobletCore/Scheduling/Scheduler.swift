import Foundation

/// Starts SCHEDULED jobs at their time: one task sleeps until the earliest due job and is re-armed
/// whenever the set changes. `start` loads the SCHEDULED jobs from the store, so schedules survive
/// restarts; a time already past fires at once.
///
/// Concurrency: an actor. `onDue` runs in its own task, so a slow start never delays the timer.
public actor Scheduler {
    private let store: JobStore
    private var due: [String: Date] = [:]
    private var timer: Task<Void, Never>?
    private var onDue: (@Sendable (String) async -> Void)?
    /// Longest single sleep; the timer re-reads the clock at least this often.
    private let maxSleep: TimeInterval = 30

    public init(store: JobStore) {
        self.store = store
    }

    /// Loads every SCHEDULED job from the store and arms the timer.
    public func start(onDue: @escaping @Sendable (String) async -> Void) throws {
        self.onDue = onDue
        for job in try store.jobs(withStatus: [.scheduled]) {
            due[job.id] = job.scheduledAt ?? Date()
        }
        fireDue()
    }

    public func schedule(_ id: String, at time: Date) {
        due[id] = time
        rearm()
    }

    public func unschedule(_ id: String) {
        if due.removeValue(forKey: id) != nil { rearm() }
    }

    /// Jobs waiting, with their times.
    public var pendingJobs: [String: Date] { due }

    public func shutdown() {
        timer?.cancel()
        timer = nil
        onDue = nil
    }

    private func fireDue() {
        guard let onDue else { return }
        let now = Date()
        let ready = due.filter { $0.value <= now }.sorted { $0.value < $1.value }.map(\.key)
        for id in ready {
            due.removeValue(forKey: id)
            Task { await onDue(id) }
        }
        rearm()
    }

    private func rearm() {
        timer?.cancel()
        timer = nil
        guard onDue != nil, let earliest = due.values.min() else { return }
        let delay = min(max(0, earliest.timeIntervalSinceNow), maxSleep)
        timer = Task { [weak self] in
            try? await Task.sleep(for: .seconds(delay))
            guard !Task.isCancelled else { return }
            await self?.fireDue()
        }
    }
}
