import Foundation
import JobletCore
import Logging

/// Follows one job at SkyPilot from its launch request to its final status (see `SkyPilotBackend`).
///
/// Concurrency: an actor run by one task; its log followers share only `Locked` counters.
actor JobWatcher {
    let backend: SkyPilotBackend
    let events: JobEventSink
    let masker: SecretMasker
    let control: JobWatch.Control
    var state: SkyPilotBackendState

    private var client: SkyPilotClient { backend.client }
    private var configuration: SkyPilotConfiguration { backend.configuration }
    private var logger: Logger { backend.logger }

    init(backend: SkyPilotBackend, events: JobEventSink, masker: SecretMasker, control: JobWatch.Control,
         state: SkyPilotBackendState) {
        self.backend = backend
        self.events = events
        self.masker = masker
        self.control = control
        self.state = state
    }

    func run() async {
        do {
            guard let jobID = try await resolveJobID() else { return }
            try await follow(jobID)
        } catch is CancellationError {
            // jobletd is shutting down: the job goes on at SkyPilot and is adopted after the restart.
        } catch {
            logger.error("watching SkyPilot job for \(events.jobID) failed: \(error)")
        }
    }

    // MARK: Launch → job id

    /// The SkyPilot job id, following the launch request, finding the job by name when the
    /// request is unknown (lost answer, restarts), and launching again only when SkyPilot has
    /// neither a job nor a launch request by that name. Nil once a failure has been reported.
    private func resolveJobID() async throws -> Int? {
        var backoff = Backoff(min: configuration.pollIntervalMin, max: configuration.pollIntervalMax)
        while true {
            try Task.checkCancellation()
            if let id = state.jobID { return id }
            do {
                if let requestID = state.launchRequestID {
                    if state.provisioningLogged != true { await copyProvisioningLog(requestID) }
                    do {
                        let id = try await client.launchedJobID(requestID: requestID)
                        try await learned(jobID: id)
                        return id
                    } catch SkyPilotError.requestNotFound {
                        // The server restarted and forgot its requests; the job, if any, kept its name.
                        appendLog("skypilot: request \(requestID) is gone (server restart?); looking for job '\(state.name)'")
                        state.launchRequestID = nil
                        save()
                        continue
                    }
                }
                switch try await findLaunch() {
                case .job(let id):
                    try await learned(jobID: id)
                    return id
                case .request(let requestID):
                    state.launchRequestID = requestID
                    save()
                case .nothing:
                    if control.cancelRequested.withLock({ $0 }) {
                        try await report(.stopped, exitCode: -1, reason: "stopped before SkyPilot launched it")
                        return nil
                    }
                    try await relaunch()
                }
            } catch SkyPilotError.requestFailed(_, let type, let message) {
                try await failLaunch(type.isEmpty ? message : "\(type): \(message)")
                return nil
            } catch SkyPilotError.requestCancelled(let id) {
                try await failLaunch("the launch request \(id) was cancelled at SkyPilot")
                return nil
            } catch let error as SkyPilotError where !Self.isTransient(error) {
                try await failLaunch(error.description)
                return nil
            } catch let error as SkyPilotError {
                logger.notice("SkyPilot launch of \(events.jobID) waits: \(error)")
            }
            try await Task.sleep(for: backoff.next())
        }
    }

    private enum Launch {
        case job(Int)
        case request(String)
        case nothing
    }

    /// Active requests first, then the queue: a launch that finishes between the two calls shows
    /// up in the queue, so it is never missed.
    private func findLaunch() async throws -> Launch {
        let active = try await client.activeRequests()
        if let launch = active.first(where: { $0.name == "sky.jobs.launch" && $0.bodyName == state.name }) {
            return .request(launch.requestID)
        }
        if let job = try await client.managedJobs(named: state.name).min(by: { $0.jobID < $1.jobID }) {
            return .job(job.jobID)
        }
        return .nothing
    }

    private func relaunch() async throws {
        let request = try events.request()
        let task = try backend.makeTask(job: try events.job(), request: request)
        appendLog("skypilot: no job '\(state.name)' at SkyPilot; launching it")
        do {
            state.launchRequestID = try await client.launchManagedJob(task: task.yaml, name: task.name)
            save()
        } catch SkyPilotError.responseLost {
            // Looked up by name on the next round.
        }
    }

    private func learned(jobID: Int) async throws {
        state.jobID = jobID
        control.jobID.withLock { $0 = jobID }
        save()
        appendLog("skypilot: managed job \(jobID)")
    }

    /// Sends a cancel that `stop` asked for and that has not reached SkyPilot yet.
    private func cancelIfRequested(_ jobID: Int) async {
        guard control.cancelRequested.withLock({ $0 }), !control.cancelSent.withLock({ $0 }) else { return }
        do {
            try await client.cancelManagedJobs(ids: [jobID])
            control.cancelSent.withLock { $0 = true }
            appendLog("skypilot: cancel of job \(jobID) requested")
        } catch is CancellationError {
        } catch {
            logger.warning("cancelling SkyPilot job \(jobID) for \(events.jobID): \(error); retrying")
        }
    }

    private func failLaunch(_ message: String) async throws {
        let message = masker.mask(ANSI.strip(message))
        state.failureReason = message
        save()
        appendLog("skypilot: launch failed: \(message)")
        let hint = SkyPilotErrorHint.hint(for: message)  // training (issue 19): what to do about it
        if let hint { appendLog("skypilot: hint: \(hint)") }
        try await report(.failed, exitCode: 1, reason: "SkyPilot launch failed: \(message)" + (hint.map { " (hint: \($0))" } ?? ""))
    }

    private func copyProvisioningLog(_ requestID: String) async {
        let header = "skypilot: provisioning log (request \(requestID)):"
        let written = Locked(linesAfter(header))
        if written.withLock({ $0 }) == 0 && !logContains(header) { appendLog(header) }
        do {
            try await copy(into: written) { onLine in
                try await self.client.streamRequestLog(requestID: requestID, follow: true, onLine: onLine)
            }
            state.provisioningLogged = true
            save()
        } catch is CancellationError {
        } catch {
            logger.notice("provisioning log of \(requestID) for \(events.jobID) ended early: \(error)")
        }
    }

    // MARK: Job id → final status

    private func follow(_ jobID: Int) async throws {
        var backoff = Backoff(min: configuration.pollIntervalMin, max: configuration.pollIntervalMax)
        let outputHeader = "skypilot: output of job \(jobID):"
        let written = Locked(linesAfter(outputHeader))
        var follower: Task<Bool, Never>?
        let followerDone = Locked(false)
        var missing = 0
        var terminal: SkyPilotManagedJob?
        while terminal == nil {
            try Task.checkCancellation()
            await cancelIfRequested(jobID)
            let record: SkyPilotManagedJob?
            do {
                record = try await client.managedJobs(ids: [jobID]).first
            } catch let error as SkyPilotError where Self.isTransient(error) {
                logger.notice("polling SkyPilot job \(jobID) for \(events.jobID): \(error)")
                try await Task.sleep(for: backoff.next())
                continue
            }
            guard let record else {
                missing += 1
                if missing >= 5 {
                    appendLog("skypilot: job \(jobID) is no longer in SkyPilot's queue")
                    try await report(.failed, exitCode: 1, reason: "SkyPilot job \(jobID) disappeared from SkyPilot's queue")
                    follower?.cancel()
                    return
                }
                try await Task.sleep(for: backoff.next())
                continue
            }
            missing = 0
            if absorb(record) {
                backoff.reset()
                if follower == nil { appendLog("skypilot: job \(jobID) is \(record.status)") }
            }
            let isTerminal = SkyPilotStatusMapping.isTerminal(record.status)
            if !isTerminal, let target = SkyPilotStatusMapping.jobStatus(forSkyPilotStatus: record.status) {
                try await report(target, exitCode: nil, reason: state.reason)
            }
            if follower != nil, followerDone.withLock({ $0 }), !isTerminal {
                follower = nil  // the stream ended early; reopen it, skipping what was copied
            }
            if follower == nil, isTerminal || ["RUNNING", "WINDING_DOWN", "RECOVERING", "CANCELLING"].contains(record.status) {
                if !logContains(outputHeader) { appendLog(outputHeader) }
                followerDone.withLock { $0 = false }
                follower = Task {
                    let complete = await self.copyOutput(jobID, into: written)
                    followerDone.withLock { $0 = true }
                    return complete
                }
            }
            if isTerminal { terminal = record } else { try await Task.sleep(for: backoff.next()) }
        }

        // Every byte of output reaches the log before the final status.
        var complete = false
        if let follower {
            let guardTask = Task {
                try await Task.sleep(for: configuration.logIdleTimeout)
                follower.cancel()
            }
            complete = await follower.value
            guardTask.cancel()
        }
        if !complete {
            do {
                try await copy(into: written) { onLine in
                    try await self.client.streamManagedJobLogs(jobID: jobID, follow: false, onLine: onLine)
                }
            } catch {
                appendLog("skypilot: could not fetch the rest of job \(jobID)'s output: \(error)")
            }
        }
        guard let record = terminal else { return }
        let status = SkyPilotStatusMapping.jobStatus(forSkyPilotStatus: record.status) ?? .failed
        let ending = record.plainFailureReason.map { "\(record.status): \(masker.mask($0))" } ?? record.status
        appendLog("skypilot: job \(jobID) ended \(ending)")
        let exitCode: Int32 = status == .completed ? 0 : status == .stopped ? -1 : 1
        var reason = state.reason
        if status == .failed, let hint = SkyPilotErrorHint.hint(for: "\(record.status) \(state.failureReason ?? "")") {
            appendLog("skypilot: hint: \(hint)")  // training (issue 19)
            reason += " (hint: \(hint))"
        }
        try await report(status, exitCode: exitCode, reason: reason)
    }

    /// Copies the job's output (follow) into the log; true when the stream ended by itself.
    private func copyOutput(_ jobID: Int, into written: Locked<Int>) async -> Bool {
        do {
            try await copy(into: written) { onLine in
                try await self.client.streamManagedJobLogs(jobID: jobID, follow: true, onLine: onLine)
            }
            return true
        } catch {
            if !(error is CancellationError) { logger.notice("output stream of SkyPilot job \(jobID) broke: \(error)") }
            return false
        }
    }

    /// Runs a stream, appending its lines after the `written` ones already in the log (a stream
    /// always starts from the beginning).
    private nonisolated func copy(into written: Locked<Int>,
                                  _ stream: @Sendable (@escaping @Sendable (String) async throws -> Void) async throws -> Void) async throws {
        let skip = written.withLock { $0 }
        let seen = Locked(0)
        let events = events
        let masker = masker
        try await stream { line in
            let index = seen.withLock { count in
                count += 1
                return count
            }
            guard index > skip else { return }
            try events.appendLog(Array((masker.mask(line) + "\n").utf8))
            written.withLock { $0 += 1 }
        }
    }

    /// Takes SkyPilot's view into the backend state; true if anything changed.
    private func absorb(_ record: SkyPilotManagedJob) -> Bool {
        let failure = record.plainFailureReason.map(masker.mask)
        let changed = record.status != state.status || failure != state.failureReason
            || (record.recoveryCount ?? 0) != (state.recoveryCount ?? 0)
        if changed {
            state.status = record.status
            state.failureReason = failure
            state.recoveryCount = record.recoveryCount
            save()
        }
        return changed
    }

    // MARK: Reporting

    /// Moves our status to `target` along allowed transitions; nothing if the job is final already.
    private func report(_ target: JobStatus, exitCode: Int32?, reason: String) async throws {
        let current = try events.job().status
        guard !current.isFinal, current != target else { return }
        guard let path = SkyPilotStatusMapping.path(from: current, to: target) else {
            logger.warning("job \(events.jobID): no way from \(current.rawValue) to \(target.rawValue)")
            return
        }
        for (index, step) in path.enumerated() {
            let last = index == path.count - 1
            try await events.transition(to: step, exitCode: last ? exitCode : nil, reason: reason)
        }
    }

    private func save() {
        do {
            try events.update(state: state.encoded())
        } catch {
            logger.warning("cannot store SkyPilot state of job \(events.jobID): \(error)")
        }
    }

    private func appendLog(_ line: String) {
        backend.appendLog(events, masker, line)
    }

    // MARK: The log file, for resuming without repeating lines

    private func logText() -> String {
        (try? String(contentsOf: events.logFile, encoding: .utf8)) ?? ""
    }

    private func logContains(_ line: String) -> Bool {
        logText().contains(line + "\n")
    }

    /// Lines after the last `header` line, up to the next `skypilot: ` line.
    private func linesAfter(_ header: String) -> Int {
        let lines = logText().split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.lastIndex(where: { $0 == header }) else { return 0 }
        var count = 0
        for line in lines[(start + 1)...] {
            if line.hasPrefix("skypilot: ") { break }
            count += 1
        }
        // The text ends with "\n", which leaves one empty element at the end.
        return lines.last == "" && start + 1 + count == lines.count ? count - 1 : count
    }

    static func isTransient(_ error: SkyPilotError) -> Bool {
        switch error {
        case .unreachable, .responseLost, .requestTimedOut, .requestNotFound, .malformedResponse: return true
        case .httpStatus(let code, _, _): return code >= 500 || code == 404 || code == 429
        case .requestFailed, .requestCancelled, .unauthorized, .versionMismatch: return false
        }
    }
}
