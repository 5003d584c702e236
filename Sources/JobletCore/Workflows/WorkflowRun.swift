/// The live state of one unfinished workflow: which jobs wait, run or ended, and what follows
/// when one ends. Pure logic (no I/O): the `WorkflowEngine` stores and launches what it decides.
/// A value type, kept inside the engine actor.
struct WorkflowRun: Sendable {
    enum State: Sendable, Hashable {
        /// Requirements not yet all met.
        case waiting
        /// Handed to the launcher; not yet known to have started.
        case launching
        case started
        case ended(JobStatus, exitCode: Int32?)
    }

    struct Node: Sendable {
        let jobID: String
        let name: String
        /// Index of the required job and the status it must end with.
        let requirements: [(job: Int, status: RequiredStatus)]
        /// Jobs that require this one, once per requirement, with the status they require.
        var dependents: [(job: Int, status: RequiredStatus)] = []
        /// Requirements whose job has not ended yet; the job may start at 0.
        var unmet = 0
        var state: State
    }

    enum Action: Sendable, Hashable {
        case start(Int)
        case cancel(Int, reason: String)
    }

    let id: String
    var nodes: [Node]
    var stopRequested: Bool
    /// Jobs not ended yet; the workflow is done at 0.
    private(set) var unfinished: Int

    /// `records` in the workflow's order (from the store, or just stored).
    init(id: String, records: [(jobID: String, name: String, requirements: [WorkflowRequirement], state: State)],
         stopRequested: Bool = false) {
        self.id = id
        self.stopRequested = stopRequested
        var index: [String: Int] = [:]
        index.reserveCapacity(records.count)
        for (i, r) in records.enumerated() { index[r.name] = i }
        nodes = records.map { r in
            Node(jobID: r.jobID, name: r.name,
                 requirements: r.requirements.compactMap { req in index[req.job].map { ($0, req.status) } },
                 state: r.state)
        }
        for i in nodes.indices {
            for requirement in nodes[i].requirements {
                nodes[requirement.job].dependents.append((i, requirement.status))
                if case .ended = nodes[requirement.job].state {} else { nodes[i].unmet += 1 }
            }
        }
        unfinished = nodes.reduce(0) { count, node in
            if case .ended = node.state { return count }
            return count + 1
        }
    }

    var isDone: Bool { unfinished == 0 }

    /// What to do with waiting jobs among `candidates` (each checked in full), and recursively
    /// with the jobs that a cancellation decides. Jobs to start are marked `.launching`,
    /// cancelled ones `.ended`.
    mutating func settle(_ candidates: some Sequence<Int>) -> [Action] {
        var actions: [Action] = []
        for i in candidates where nodes[i].state == .waiting {
            switch decide(i) {
            case .none:
                continue
            case .start?:
                nodes[i].state = .launching
                actions.append(.start(i))
            case .cancel(_, let reason)?:
                actions.append(.cancel(i, reason: reason))
                propagateEnd(of: i, .canceled, exitCode: nil, into: &actions)
            }
        }
        return actions
    }

    /// Every waiting job: what a new or recovered workflow starts with.
    mutating func settleAll() -> [Action] {
        settle(nodes.indices)
    }

    /// Job `i` ended; returns what follows for its dependents (recursively). Only the
    /// requirements on `i` are looked at: a job still waiting has all its other ended
    /// requirements met, so a wide join costs one check per ended job, not one per requirement.
    mutating func end(_ i: Int, _ status: JobStatus, exitCode: Int32?) -> [Action] {
        if case .ended = nodes[i].state { return [] }
        var actions: [Action] = []
        propagateEnd(of: i, status, exitCode: exitCode, into: &actions)
        return actions
    }

    /// Marks `first` ended, then decides its dependents; a cancelled dependent is marked ended at
    /// once (a job may require the same job twice) and its own dependents decided in turn.
    private mutating func propagateEnd(of first: Int, _ firstStatus: JobStatus, exitCode firstExit: Int32?,
                                       into actions: inout [Action]) {
        guard markEnded(first, firstStatus, exitCode: firstExit) else { return }
        var queue = [first]
        while let i = queue.popLast() {
            guard case .ended(let status, let exitCode) = nodes[i].state else { continue }
            for (d, required) in nodes[i].dependents {
                nodes[d].unmet -= 1
                guard nodes[d].state == .waiting else { continue }
                if stopRequested || !required.accepts(status) {
                    let reason = stopRequested ? "not run: workflow stopped by request"
                        : Self.reason(nodes[i].name, required, status, exitCode)
                    markEnded(d, .canceled, exitCode: nil)
                    actions.append(.cancel(d, reason: reason))
                    queue.append(d)
                } else if nodes[d].unmet == 0 {
                    nodes[d].state = .launching
                    actions.append(.start(d))
                }
            }
        }
    }

    mutating func markStarted(_ i: Int) {
        switch nodes[i].state {
        case .waiting, .launching: nodes[i].state = .started
        case .started, .ended: break
        }
    }

    /// false when it had already ended.
    @discardableResult
    private mutating func markEnded(_ i: Int, _ status: JobStatus, exitCode: Int32?) -> Bool {
        if case .ended = nodes[i].state { return false }
        nodes[i].state = .ended(status, exitCode: exitCode)
        unfinished -= 1
        return true
    }

    static func reason(_ name: String, _ required: RequiredStatus, _ status: JobStatus, _ exitCode: Int32?) -> String {
        let exit = (status == .failed && exitCode != nil) ? " (exit \(exitCode!))" : ""
        return "not run: requires \(name) \(required.rawValue), \(name) ended \(status.rawValue)\(exit)"
    }

    /// nil: keep waiting. A stopped workflow cancels whatever has not started.
    private func decide(_ i: Int) -> Action? {
        if stopRequested { return .cancel(i, reason: "not run: workflow stopped by request") }
        var allHold = true
        for requirement in nodes[i].requirements {
            guard case .ended(let status, let exitCode) = nodes[requirement.job].state else {
                allHold = false
                continue
            }
            if !requirement.status.accepts(status) {
                return .cancel(i, reason: Self.reason(nodes[requirement.job].name, requirement.status, status, exitCode))
            }
        }
        return allHold ? .start(i) : nil
    }

    /// The workflow's final status and why, once `isDone`.
    func outcome() -> (WorkflowStatus, reason: String) {
        if stopRequested { return (.stopped, "stopped by request") }
        for node in nodes {
            if case .ended(.failed, let exitCode) = node.state {
                return (.failed, "job '\(node.name)' FAILED" + (exitCode.map { " (exit \($0))" } ?? ""))
            }
        }
        for node in nodes {
            if case .ended(.stopped, _) = node.state { return (.stopped, "job '\(node.name)' was STOPPED") }
        }
        return (.completed, "every job completed or was skipped by its requirements")
    }
}
