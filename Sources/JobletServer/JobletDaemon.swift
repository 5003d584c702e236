import Foundation
import Logging
import JobletAPI
import JobletCore
import JobletLinux
import RPC
import TLS

/// jobletd assembled: TLS, the services, the role interceptor, the gRPC server.
public final class JobletDaemon: Sendable {
    public let configuration: DaemonConfiguration
    let server: GRPCServer
    let health: HealthService
    let logger: Logger
    public let engine: JobEngine
    /// A UUID kept in the data directory (`NodeIdentity`).
    public let nodeID: String
    /// Made only with `metricsAddress` (JobletDaemon+Metrics).
    let metrics: ServerMetrics?
    let metricsRuntime = MetricsRuntime()
    public let workflows: WorkflowEngine
    /// Networks and volumes (issue 15).
    public let networks: NetworkRegistry
    public let volumes: VolumeRegistry
    /// Training metrics from job output and metrics files (issue 19).
    let training: TrainingMetricsCollector

    /// `runtimes`: the local backend's installer (runtimes issue); nil: RuntimeService answers UNIMPLEMENTED.
    public init(configuration: DaemonConfiguration, backends: [any JobBackend], logger: Logger,
                runtimes: RuntimeInstaller? = nil) throws {
        self.configuration = configuration
        self.logger = logger
        let certs = CertificatePaths(directory: configuration.certsDirectory)
        let tls: TLSConfiguration
        do {
            tls = try TLSConfiguration.server(certificateFile: certs.serverCert, privateKeyFile: certs.serverKey, caFile: certs.ca,
                                              cipherSuites: configuration.tlsCipherSuites)
        } catch {
            throw ConfigurationError("bad certificate: \(error)")
        }
        let data = URL(fileURLWithPath: configuration.dataDirectory)
        let store: JobStore
        do {
            try DataDirectoryModes.secure(data)  // sandbox (issue 16): 0700 / 0600, fixed at every start
            store = try JobStore(dataDirectory: data)
        } catch {
            throw ConfigurationError("cannot open the job database in \(configuration.dataDirectory): \(error)")
        }
        let logs = try LogStore(dataDirectory: data)
        logs.keepSpareFiles(2)  // log files made ahead of their jobs (LogStore.create renames one)
        engine = JobEngine(store: store, logs: logs, backends: backends,
                           validator: .forThisHost(defaults: configuration.jobDefaults),
                           defaultStopGrace: .milliseconds(configuration.stopGraceMilliseconds),
                           diskReserve: DiskReserve(directory: data, minFreeMB: configuration.minFreeDiskMB),
                           artifacts: ArtifactKeeper(dataDirectory: data, store: store, hasher: { OpenSSLSHA256() }))

        nodeID = try NodeIdentity.loadOrCreate(dataDirectory: data)
        training = TrainingMetricsCollector(engine: engine)
        let usage = JobUsageTracker(engine: engine, sources: backends.compactMap { $0 as? any JobUsageSource })

        let router = RPCRouter()
        JobService(engine: engine, nodeID: nodeID, usage: usage, watchBacklog: configuration.watchBacklog).register(on: router)
        MonitoringService(sampler: SystemSampler(), nodeID: nodeID, engine: engine, usage: usage).register(on: router)
        workflows = WorkflowEngine(jobs: engine, maxConcurrentLaunches: configuration.workflowMaxConcurrentLaunches)
        WorkflowService(engine: workflows).register(on: router)
        (networks, volumes) = Self.makeNetworksAndVolumes(configuration: configuration, store: store, data: data,
                                                          backends: backends, logger: logger)
        NetworkService(networks: networks).register(on: router)
        VolumeService(volumes: volumes).register(on: router)
        if let runtimes {
            let r = configuration.runtimes
            let fetcher = RuntimeSourceFetcher(baseURL: r.githubBaseURL, timeout: .milliseconds(Int64(r.githubTimeoutSeconds * 1000)),
                                               maxBytes: r.githubMaxBytes, scratch: runtimes.library.root + "/.staging")
            RuntimeService(installer: runtimes, fetcher: fetcher, engine: engine).register(on: router)
        }
        var services = [Joblet_JobService.descriptor, Joblet_NetworkService.descriptor, Joblet_VolumeService.descriptor,
                        Joblet_MonitoringService.descriptor, Joblet_RuntimeService.descriptor, Joblet_JobletService.descriptor]
        if configuration.enableInteropTesting {
            InteropTestService().register(on: router)
            services.append(Grpc_Testing_TestService.descriptor)
        }
        // Methods later work fills answer UNIMPLEMENTED, naming themselves.
        for s in services { router.registerUnimplemented(s) }
        let serviceNames = router.serviceNames + [Grpc_Health_V1_Health.descriptor.name,
                                                  Grpc_Reflection_V1_ServerReflection.descriptor.name,
                                                  Grpc_Reflection_V1alpha_ServerReflection.descriptor.name]
        UploadLimits.apply(to: router, configuration: configuration)
        health = HealthService(services: serviceNames)
        health.register(on: router)
        ReflectionService(files: { JobletAPIRegistry.files }, serviceNames: serviceNames).register(on: router)

        var config = ServerConfiguration(host: configuration.host, port: configuration.port, tls: tls)
        config.maxReceiveMessageSize = configuration.maxReceiveMessageSize
        config.maxReceiveMessageSizeSetting = "server.maxReceiveMessageSize"
        config.largeRequestBudget = RequestMemoryBudget(capacity: configuration.uploadMemoryBudget,
                                                        setting: "server.uploadMemoryBudget")
        if configuration.eventLoops > 0 { config.eventLoops = configuration.eventLoops }
        config.eventLoopSpinPolls = configuration.eventLoopSpinPolls
        let metrics = configuration.metricsAddress == nil ? nil : ServerMetrics(
            engine: engine, quickUsage: backends.compactMap { $0 as? any JobQuickUsageSource })
        config.callObserver = metrics
        self.metrics = metrics
        server = try GRPCServer(configuration: config, router: router, interceptors: [RoleInterceptor()], logger: logger)
    }

    /// Recovers jobs (re-adopts running ones, re-arms schedules), then binds; returns the port.
    /// A busy port throws a one-line reason.
    @discardableResult
    public func start() async throws -> Int {
        try establishNetworksAndVolumes()
        await training.start()  // before the engine's: it hears every re-adopted job's transitions
        try await engine.start()
        engine.artifacts?.hashPending()  // training (issue 19): hashes a stopped jobletd did not get to
        try await workflows.start()
        let port: Int
        do {
            port = try server.start()
        } catch {
            throw ConfigurationError("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        try startMetrics()
        return port
    }

    public func shutdown() async {
        health.markAllNotServing()
        stopMetrics()
        await server.shutdown(drainTimeout: .milliseconds(Int64(configuration.drainTimeoutSeconds * 1000)))
        // Jobs keep running: the next start re-adopts them.
        await workflows.shutdown()
        await training.shutdown()
        await engine.shutdown()
        engine.logs.removeSpareFiles()
    }
}
