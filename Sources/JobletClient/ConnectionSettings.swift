import Foundation

/// Where and as whom rnx connects, resolved field by field: flags, then `JOBLET_*` environment
/// variables, then a node of `~/.rnx/rnx-config.yml`, then the defaults of a fresh checkout.
public struct ConnectionSettings: Sendable, Equatable {
    /// Where one value came from, so an error can say what to change.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case config(path: String, node: String)
        case builtIn

        public var description: String {
            switch self {
            case .flag(let name): "from \(name)"
            case .environment(let name): "from $\(name)"
            case .config(let path, let node): "from node '\(node)' in \(path)"
            case .builtIn: "the default"
            }
        }
    }

    public var address: ServerAddress
    public var certificate: PEMSource
    public var privateKey: PEMSource
    public var ca: PEMSource
    public var origins: [String: Origin] = [:]   // keys: server, cert, key, ca

    public static let defaultServer = "127.0.0.1:50051"
    public static let defaultCertificate = "./certs/admin-client-cert.pem"
    public static let defaultPrivateKey = "./certs/admin-client-key.pem"
    public static let defaultCA = "./certs/ca-cert.pem"
    public static let defaultNode = "default"

    public init(address: ServerAddress, certificate: PEMSource, privateKey: PEMSource, ca: PEMSource) {
        self.address = address
        self.certificate = certificate
        self.privateKey = privateKey
        self.ca = ca
    }

    /// The config file consulted: `--config`, else `$RNX_CONFIG`, else `$HOME/.rnx/rnx-config.yml`.
    public static func configPath(overrides: ConnectionOverrides, environment: [String: String]) -> String? {
        if let path = overrides.configPath { return path }
        if let path = environment["RNX_CONFIG"], !path.isEmpty { return path }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.rnx/rnx-config.yml"
    }

    public static func resolve(overrides: ConnectionOverrides,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConnectionSettings {
        func pick(_ flag: String?, _ flagName: String, _ variable: String) -> (String, Origin)? {
            if let flag, !flag.isEmpty { return (flag, .flag(flagName)) }
            if let value = environment[variable], !value.isEmpty { return (value, .environment(variable)) }
            return nil
        }
        let server = pick(overrides.server, "--server", "JOBLET_SERVER")
        let cert = pick(overrides.certificate, "--cert", "JOBLET_CERT_PATH").map { (PEMSource.file($0.0), $0.1) }
        let key = pick(overrides.privateKey, "--key", "JOBLET_KEY_PATH").map { (PEMSource.file($0.0), $0.1) }
        let ca = pick(overrides.ca, "--ca", "JOBLET_CA_PATH").map { (PEMSource.file($0.0), $0.1) }

        // The config file is read only when a node was asked for or something is still open.
        var node: (name: String, value: RnxConfig.Node, path: String)?
        let complete = server != nil && cert != nil && key != nil && ca != nil
        if overrides.node != nil || !complete {
            let name = overrides.node ?? defaultNode
            let path = configPath(overrides: overrides, environment: environment)
            if let path, let config = try RnxConfig.load(path: path) {
                guard let found = config.nodes[name] else {
                    let known = config.nodes.keys.sorted().joined(separator: ", ")
                    throw JobletClientError("node '\(name)' not found in \(path) (nodes: \(known.isEmpty ? "none" : known))"
                                            + (overrides.node == nil ? "; pick one with --node" : ""))
                }
                node = (name, found, path)
            } else if let asked = overrides.node {
                throw JobletClientError("--node \(asked) needs a config file, but there is none at \(path ?? "~/.rnx/rnx-config.yml")")
            }
        }

        func fromNode<T>(_ field: String, _ value: T?) throws -> (T, Origin)? {
            guard let node else { return nil }
            guard let value else {
                throw JobletClientError("node '\(node.name)' in \(node.path) has no '\(field)'")
            }
            return (value, .config(path: node.path, node: node.name))
        }

        let serverText: (String, Origin) = try server ?? fromNode("address", node?.value.address) ?? (defaultServer, .builtIn)
        guard let address = ServerAddress(parsing: serverText.0) else {
            throw JobletClientError("bad server address '\(serverText.0)' (\(serverText.1)): expected host:port")
        }
        let c = try cert ?? fromNode("cert", node?.value.certificate) ?? (.file(defaultCertificate), .builtIn)
        let k = try key ?? fromNode("key", node?.value.privateKey) ?? (.file(defaultPrivateKey), .builtIn)
        let a = try ca ?? fromNode("ca", node?.value.ca) ?? (.file(defaultCA), .builtIn)
        var settings = ConnectionSettings(address: address, certificate: c.0, privateKey: k.0, ca: a.0)
        settings.origins = ["server": serverText.1, "cert": c.1, "key": k.1, "ca": a.1]
        return settings
    }
}
