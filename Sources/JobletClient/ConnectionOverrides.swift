/// Connection settings given on the command line (`--server --cert --key --ca --node --config`);
/// nil where the flag was not given.
public struct ConnectionOverrides: Sendable, Equatable {
    public var server: String?
    public var certificate: String?
    public var privateKey: String?
    public var ca: String?
    public var node: String?
    public var configPath: String?

    public init(server: String? = nil, certificate: String? = nil, privateKey: String? = nil, ca: String? = nil,
                node: String? = nil, configPath: String? = nil) {
        self.server = server
        self.certificate = certificate
        self.privateKey = privateKey
        self.ca = ca
        self.node = node
        self.configPath = configPath
    }
}
