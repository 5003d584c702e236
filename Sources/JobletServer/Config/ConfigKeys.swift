/// Every key jobletd's YAML configuration may hold, in one table: a key not here is refused at
/// start (naming it, its line, and the nearest known key), and a value of the wrong kind too.
/// A new setting is one line here plus its field in `DaemonConfiguration.ConfigFile`.
enum ConfigKeys {
    enum Kind: Equatable {
        case string, integer, number, boolean
        case oneOf([String])
        /// Recognised, its value checked by the code that reads it.
        case any
        /// A nested mapping whose keys are listed with this key as their prefix.
        case section
    }

    static let known: [String: Kind] = [
        "server": .section,
        "server.address": .string,
        "server.certs": .string,
        "server.data": .string,
        "server.maxReceiveMessageSize": .integer,
        "server.maxUploadMessageSize": .integer,
        "server.uploadMemoryBudget": .integer,
        "server.eventLoops": .integer,
        "server.eventLoopSpinPolls": .integer,
        "server.drainTimeoutSeconds": .number,
        "server.watchBacklog": .integer,
        "server.enableInteropTesting": .boolean,
        "server.logLevel": .oneOf(DaemonConfiguration.logLevels),
        "server.tlsCipherSuites": .string,
        "jobs": .section,
        "jobs.defaultMaxCPU": .integer,
        "jobs.defaultMaxMemoryMB": .integer,
        "jobs.defaultMaxIOBPS": .integer,
        "jobs.defaultMaxPIDs": .integer,
        "jobs.stopGraceMilliseconds": .integer,
        "jobs.initPath": .string,
        "skypilot": .section,
        "skypilot.endpoint": .string,
        "skypilot.token": .string,
        "skypilot.username": .string,
        "skypilot.password": .string,
        "skypilot.pollIntervalSeconds": .number,
        "skypilot.maxPollIntervalSeconds": .number,
        "skypilot.requestTimeoutSeconds": .number,
        "skypilot.defaultAccelerator": .string,
        "skypilot.caFile": .string,
        "skypilot.artifactStore": .string,  // training (issue 19)
        "server.metricsAddress": .string,
        "workflows": .section,
        "workflows.maxConcurrentLaunches": .integer,
        // The sandbox's settings (docs/security.md).
        "server.minFreeDiskMB": .integer,
        "jobs.seccomp": .oneOf(["default", "unconfined"]),
        "jobs.maxLogBytes": .integer,
        "jobs.defaultWorkspaceMB": .integer,
        "jobs.firstUID": .integer,
        "jobs.uidCount": .integer,
        "jobs.warmInits": .integer,
        "jobs.recycledNamespaces": .integer,
        // Networks (docs/networks.md).
        "jobs.defaultNetwork": .string,
        "jobs.allowHostNetwork": .boolean,
        "jobs.bridgeCIDR": .string,
        "jobs.isolatedCIDR": .string,
        // Runtimes (docs/runtimes.md).
        "runtimes": .section,
        "runtimes.path": .string,
        "runtimes.githubBaseURL": .string,
        "runtimes.githubTimeoutSeconds": .number,
        "runtimes.githubMaxBytes": .integer,
        "runtimes.buildTimeoutSeconds": .number,
        "runtimes.buildMaxMemoryMB": .integer,
    ]
}
