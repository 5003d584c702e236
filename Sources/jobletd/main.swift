import ArgumentParser
import BuildInfo
import Foundation
import Logging
import JobletServer
import JobletLinux
import JobletCore
import SkyPilotAdapter
import TLS

@main
struct Jobletd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobletd",
        abstract: "Runs jobs on this host (namespaces, cgroups) or on GPUs through SkyPilot; speaks gRPC over mutual TLS 1.3.",
        discussion: """
        With no flags, jobletd listens on 127.0.0.1:50051, keeps its data in ./data and its \
        certificates in ./certs. On first start it makes a development PKI there, and an \
        rnx-config.yml for rnx and the SDK beside it.

        Examples:
          jobletd
          jobletd --address 0.0.0.0:50051 --data /var/lib/jobletd
          jobletd --certs /etc/jobletd/certs --config /etc/jobletd/jobletd.yml
        """,
        version: "jobletd \(BuildInfo.description)")

    @Option(help: "Listen address, HOST:PORT (default 127.0.0.1:50051).")
    var address: String?

    @Option(help: "Directory with ca-cert.pem, server-cert.pem, server-key.pem (default ./certs).")
    var certs: String?

    @Option(help: "Data directory: database, logs, workspaces (default ./data).")
    var data: String?

    @Option(help: "YAML configuration file (flags override it).")
    var config: String?

    @Flag(help: "Serve grpc.testing.TestService (conformance tests and benchmarks only).")
    var enableInteropTesting = false

    @Option(help: "SkyPilot API server for GPU jobs, e.g. http://127.0.0.1:46580 (or JOBLET_SKYPILOT_ENDPOINT).")
    var skypilotEndpoint: String?

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (plain HTTP; off by default).")
    var metricsAddress: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    /// The main thread parses the command line, then waits here while the daemon runs on the
    /// concurrency pool, and exits when it is done. A synchronous main, not `AsyncParsableCommand`:
    /// an async main ends the main thread in `dispatch_main` → `pthread_exit`, whose forced unwind
    /// reads the executable's unwind tables (~0.7 MiB resident for the life of the process;
    /// docs/benchmarks.md, "Idle memory").
    func run() throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let command = self
        Task {
            await command.serve()
            done.signal()
        }
        done.wait()
        Foundation.exit(0)
    }

    private func serve() async {
        signal(SIGPIPE, SIG_IGN)  // a client vanishing mid-write is an EPIPE, not our death
        Jobletd.catchTermination()
        var cfg = DaemonConfiguration()
        do {
            if let config { try cfg.load(yamlFile: config) }
            if let address { (cfg.host, cfg.port) = try DaemonConfiguration.parseAddress(address) }
            if let certs { cfg.certsDirectory = certs }
            if let data { cfg.dataDirectory = data }
            if enableInteropTesting { cfg.enableInteropTesting = true }
            if let logLevel { cfg.logLevel = try DaemonConfiguration.checkLogLevel(logLevel, source: "--log-level") }
            if let metricsAddress { cfg.metricsAddress = try DaemonConfiguration.parseAddress(metricsAddress) }
            if let skypilotEndpoint { cfg.skypilot.endpoint = skypilotEndpoint }
            cfg.skypilot.apply(environment: ProcessInfo.processInfo.environment)
        } catch {
            Jobletd.die("\(error)")
        }
        let level = Logger.Level(rawValue: cfg.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "jobletd")
        let daemon: JobletDaemon
        var sky: SkyPilotBackend?
        var generatedPKI: [DevelopmentPKI.File]?
        var localRunner: LocalJobRunner?
        do {
            generatedPKI = try CertificatePaths(directory: cfg.certsDirectory).ensureExist()
            if generatedPKI != nil {
                logger.notice("generated a development PKI in \(cfg.certsDirectory) (admin and viewer client certificates included)")
            }
            try FileManager.default.createDirectory(atPath: cfg.dataDirectory, withIntermediateDirectories: true)
            let seccomp = SeccompProfile(rawValue: cfg.jobSeccomp) ?? .default
            logger.notice("local jobs: seccomp profile '\(seccomp.rawValue)' (jobs.seccomp), capability bounding and ambient sets emptied, no_new_privs")
            var runnerConfig = LocalJobRunnerConfig(initPath: cfg.jobInitPath, seccomp: seccomp, maxLogBytes: cfg.jobMaxLogBytes)
            runnerConfig.defaultWorkspaceMB = cfg.jobDefaultWorkspaceMB
            runnerConfig.warmInits = cfg.jobWarmInits
            runnerConfig.recycledNamespaces = cfg.jobRecycledNamespaces
            runnerConfig.warmInitsHaveNetworkNamespace = cfg.networks.defaultNetwork != "host"  // networks (issue 15)
            let runner = try LocalJobRunner(config: runnerConfig, log: { logger.info("\($0)") })
            let uidRange = cfg.jobFirstUID == 0 ? nil : (first: cfg.jobFirstUID, count: cfg.jobUIDCount)
            if let r = uidRange { logger.notice("local jobs: one uid each from \(r.first) to \(r.first + r.count - 1) (jobs.firstUID, jobs.uidCount)") }
            localRunner = runner
            let nodeID = try NodeIdentity.loadOrCreate(dataDirectory: URL(fileURLWithPath: cfg.dataDirectory))
            let runtimeLibrary = try RuntimeLibrary(root: cfg.runtimes.directory(dataDirectory: cfg.dataDirectory),
                                                    log: { logger.notice("\($0)") },
                                                    sweep: { RuntimeInstaller.sweep(staging: $0, runner: runner) })
            let runtimeInstaller = RuntimeInstaller(library: runtimeLibrary, runner: runner,
                                                    timeout: .milliseconds(Int64(cfg.runtimes.buildTimeoutSeconds * 1000)),
                                                    maxMemoryMB: cfg.runtimes.buildMaxMemoryMB,
                                                    maxCPUPercent: cfg.jobDefaults.maxCPU,
                                                    hidden: [cfg.dataDirectory, cfg.certsDirectory] + (config.map { [$0] } ?? []))
            let local = LocalBackend(runner: runner, dataDirectory: URL(fileURLWithPath: cfg.dataDirectory), nodeID: nodeID,
                                     uidRange: uidRange, runtimes: runtimeLibrary)
            var backends: [any JobBackend] = [local]
            if let settings = try Jobletd.skyPilotConfiguration(cfg.skypilot, dataDirectory: cfg.dataDirectory) {
                let backend = SkyPilotBackend(configuration: settings, logger: Logger(label: "jobletd.skypilot"))
                backends.append(backend)
                sky = backend
                Task { await backend.waitUntilReachable() }  // logged, retried with back-off, never fatal
            }
            daemon = try JobletDaemon(configuration: cfg, backends: backends, logger: logger, runtimes: runtimeInstaller)
            let port = try await daemon.start()
            let host = cfg.host.utf8.contains(UInt8(ascii: ":")) ? "[\(cfg.host)]" : cfg.host
            if let generatedPKI {
                Jobletd.writeClientConfig(pki: generatedPKI, host: cfg.host, port: port, certs: cfg.certsDirectory, logger: logger)
            }
            FileHandle.standardOutput.write(Data("jobletd listening on \(host):\(port) (mTLS, certs \(cfg.certsDirectory), data \(cfg.dataDirectory))\n".utf8))
            if let metricsPort = daemon.metricsPort { logger.notice("serving Prometheus metrics on port \(metricsPort) at /metrics") }
            SystemdNotifier.notify("READY=1\nSTATUS=listening on \(host):\(port)\nMAINPID=\(getpid())",
                                   environment: ProcessInfo.processInfo.environment)
        } catch {
            Jobletd.die("\(error)")
        }
        await Jobletd.waitForTermination()
        SystemdNotifier.notify("STOPPING=1", environment: ProcessInfo.processInfo.environment)
        logger.notice("shutting down: no new connections, draining calls (up to \(cfg.drainTimeoutSeconds) s)")
        await daemon.shutdown()
        localRunner?.detach()  // jobs keep running; the warm inits (not jobs yet) go
        await sky?.shutdown()
        logger.notice("stopped")
    }

    /// The SkyPilot backend's settings, or nil when no endpoint is configured.
    static func skyPilotConfiguration(_ s: DaemonConfiguration.SkyPilotSettings, dataDirectory: String) throws -> SkyPilotConfiguration? {
        guard let endpoint = s.endpoint else { return nil }
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError("SkyPilot endpoint '\(endpoint)' must be an http(s) URL, e.g. http://127.0.0.1:46580")
        }
        var auth = SkyPilotConfiguration.Authentication.none
        if let token = s.token, !token.isEmpty {
            auth = .bearer(token: token)
        } else if let user = s.username, !user.isEmpty {
            auth = .basic(user: user, password: s.password ?? "")
        }
        var c = SkyPilotConfiguration(endpoint: url, authentication: auth,
                                      uploadStagingDirectory: URL(fileURLWithPath: dataDirectory).appendingPathComponent("skypilot-workdirs"))
        if let v = s.pollIntervalSeconds { c.pollIntervalMin = .milliseconds(Int64(v * 1000)) }
        if let v = s.maxPollIntervalSeconds { c.pollIntervalMax = .milliseconds(Int64(v * 1000)) }
        if let v = s.requestTimeoutSeconds { c.requestTimeout = .milliseconds(Int64(v * 1000)) }
        if let v = s.defaultAccelerator { c.defaultAccelerator = v }
        if let v = s.caFile, !v.isEmpty { c.caFile = v }
        if let v = s.artifactStore, !v.isEmpty {  // training (issue 19)
            do { c.artifactStore = try ArtifactStoreURL.check(v) } catch let e as JobletError { throw ConfigurationError(e.message) }
        }
        return c
    }

    static func die(_ message: String) -> Never {
        // One line, whatever the underlying error printed (YAML parsers like to draw carets).
        let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0 != "^" }.joined(separator: " | ")
        FileHandle.standardError.write(Data("jobletd: \(line)\n".utf8))
        Foundation.exit(1)
    }

    /// Catches SIGTERM and SIGINT from now on (called first thing, so that a stop asked for
    /// right after READY=1 reaches a handler rather than killing the process).
    static func catchTermination() {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "jobletd.signals")
        for sig in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { termination.fire() }
            source.resume()
            Jobletd.keep.append(source)
        }
    }

    /// Suspends until SIGTERM or SIGINT (caught since `catchTermination`).
    static func waitForTermination() async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in termination.wait(cont) }
    }

    static let termination = TerminationLatch()

    nonisolated(unsafe) static var keep: [DispatchSourceSignal] = []
}

/// Set once by a signal; resumes the one waiter then or at once if it came earlier.
final class TerminationLatch: @unchecked Sendable {
    private var fired = false
    private var waiter: CheckedContinuation<Void, Never>?
    private let lock = NSLock()

    func fire() {
        lock.lock()
        let w = fired ? nil : waiter
        fired = true
        waiter = nil
        lock.unlock()
        w?.resume()
    }

    func wait(_ cont: CheckedContinuation<Void, Never>) {
        lock.lock()
        if fired { lock.unlock(); cont.resume(); return }
        waiter = cont
        lock.unlock()
    }
}

extension Jobletd {
    /// After a first start that generated the development PKI: an rnx-config.yml for rnx and
    /// the SDK, and where it is (on stderr, so that stdout keeps its one "listening" line).
    static func writeClientConfig(pki: [DevelopmentPKI.File], host: String, port: Int, certs: String, logger: Logger) {
        // The server certificate names localhost, 127.0.0.1 and ::1; a wildcard listener is
        // reached through localhost from this machine.
        let reachable = ["0.0.0.0", "::", "127.0.0.1", "::1", "localhost"].contains(host) ? "localhost" : host
        let address = reachable.contains(":") ? "[\(reachable)]:\(port)" : "\(reachable):\(port)"
        do {
            if let path = try RnxConfigWriter.write(address: address, pki: pki, directory: certs) {
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                let certs = URL(fileURLWithPath: certs).standardizedFileURL.path
                FileHandle.standardError.write(Data("""
                    jobletd: wrote client configuration \(absolute) (nodes 'default' = admin, 'viewer')
                    jobletd:   rnx:  mkdir -p ~/.rnx && cp \(absolute) ~/.rnx/rnx-config.yml   (or rnx --config \(absolute) list)
                    jobletd:   SDK:  JobletClient(host="localhost", port=\(port), insecure=False, ca_cert_path="\(certs)/ca-cert.pem", client_cert_path="\(certs)/admin-client-cert.pem", client_key_path="\(certs)/admin-client-key.pem")

                    """.utf8))
            }
        } catch {
            logger.warning("could not write the client configuration: \(error)")
        }
    }
}
