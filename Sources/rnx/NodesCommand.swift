import ArgumentParser
import Foundation
import JobletClient

/// `rnx nodes`: the nodes of the rnx config (Joblet's `rnx nodes`), marking the one in use.
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List the nodes of the rnx config file.",
        discussion: """
        Examples:
          rnx nodes
          rnx --config ./certs/rnx-config.yml nodes
        """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    func run() throws {
        let overrides = ConnectionOverrides(server: nil, certificate: nil, privateKey: nil, ca: nil,
                                            node: connection.node, configPath: connection.config)
        let environment = ProcessInfo.processInfo.environment
        guard let path = ConnectionSettings.configPath(overrides: overrides, environment: environment) else {
            throw ValidationError("no rnx config: give --config PATH or set HOME")
        }
        let config: RnxConfig
        do {
            guard let loaded = try RnxConfig.load(path: path) else {
                Output.error("no rnx config at \(path); jobletd writes one beside its generated certificates (certs/rnx-config.yml)")
                throw ExitCode(1)
            }
            config = loaded
        } catch let error as JobletClientError {
            Output.error(error.description)
            throw ExitCode(1)
        }
        let current = connection.node ?? ConnectionSettings.defaultNode
        let rows = config.nodes.keys.sorted().map { name in
            [name == current ? "* \(name)" : "  \(name)", config.nodes[name]?.address ?? "-"]
        }
        Output.print("Nodes in \(path):\n" + JobTable.align([["  NAME", "ADDRESS"]] + rows))
    }
}
