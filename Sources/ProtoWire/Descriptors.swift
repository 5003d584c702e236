/// One RPC method, as routing and reflection see it.
public struct MethodDescriptor: Sendable, Hashable {
    public let service: String        // "joblet.JobService"
    public let method: String         // "RunJob"
    public let path: String           // "/joblet.JobService/RunJob"
    public let clientStreaming: Bool
    public let serverStreaming: Bool
    public let inputType: String      // fully qualified message names
    public let outputType: String

    public init(service: String, method: String, clientStreaming: Bool, serverStreaming: Bool,
                inputType: String, outputType: String) {
        self.service = service
        self.method = method
        self.path = "/\(service)/\(method)"
        self.clientStreaming = clientStreaming
        self.serverStreaming = serverStreaming
        self.inputType = inputType
        self.outputType = outputType
    }
}

/// A service and its methods, in declaration order.
public struct ServiceDescriptor: Sendable, Hashable {
    public let name: String           // fully qualified, "joblet.JobService"
    public let methods: [MethodDescriptor]

    public init(name: String, methods: [MethodDescriptor]) {
        self.name = name
        self.methods = methods
    }
}

/// A .proto file as server reflection serves it.
public struct ProtoFileDescriptor: Sendable, Hashable {
    public let name: String           // "joblet.proto", "grpc/health/v1/health.proto"
    public let package: String
    public let dependencies: [String]
    /// Fully qualified messages (nested too), enums, services and "service.Method" names.
    public let symbols: [String]
    /// FileDescriptorProto bytes exactly as protoc gave them to the generator.
    public let serialized: [UInt8]

    public init(name: String, package: String, dependencies: [String], symbols: [String], serialized: [UInt8]) {
        self.name = name
        self.package = package
        self.dependencies = dependencies
        self.symbols = symbols
        self.serialized = serialized
    }
}
