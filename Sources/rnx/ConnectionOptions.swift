import ArgumentParser
import Foundation
import JobletClient

/// The global flags, accepted before or after the command name (see RnxArguments.normalize).
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("jobletd address host:port (else $JOBLET_SERVER, the node's address, 127.0.0.1:50051).", valueName: "host:port"))
    var server: String?

    @Option(help: ArgumentHelp("Client certificate PEM (else $JOBLET_CERT_PATH, the node's cert, ./certs/admin-client-cert.pem).", valueName: "path"))
    var cert: String?

    @Option(help: ArgumentHelp("Client private key PEM (else $JOBLET_KEY_PATH, the node's key, ./certs/admin-client-key.pem).", valueName: "path"))
    var key: String?

    @Option(help: ArgumentHelp("CA certificate PEM (else $JOBLET_CA_PATH, the node's ca, ./certs/ca-cert.pem).", valueName: "path"))
    var ca: String?

    @Option(help: ArgumentHelp("Node of the rnx config to use.", valueName: "name"))
    var node: String?

    @Option(help: ArgumentHelp("rnx config file (else $RNX_CONFIG, ~/.rnx/rnx-config.yml).", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("Deadline of each request, in seconds.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    /// Resolves the settings, connects, runs `body`, closes.
    func withClient<T>(_ body: (JobletClient) async throws -> T) async throws -> T {
        let overrides = ConnectionOverrides(server: server, certificate: cert, privateKey: key, ca: ca, node: node, configPath: config)
        let settings = try ConnectionSettings.resolve(overrides: overrides)
        let client = try JobletClient(settings: settings, timeout: .milliseconds(Int64(timeout * 1000)))
        defer { client.close() }
        return try await body(client)
    }
}
