import ProtoWire
import JobletAPI
import RPC
import Synchronization

/// Server reflection (`grpc.reflection.v1` and `v1alpha`), so grpcurl-style tools can list
/// services and fetch descriptors. Both versions share one resolver; only the types differ.
public struct ReflectionService: Sendable {
    enum Answer {
        case files([[UInt8]])
        case services([String])
        case error(RPCStatusCode, String)
    }

    /// The descriptors by file name and the symbol → file index, built on the first request
    /// that needs them: decoding the registry's descriptor bytes at start-up would keep them
    /// (and the pages they were read from) resident in a server nobody reflects on.
    private let catalog: Catalog
    let serviceNames: [String]

    private final class Catalog: Sendable {
        struct Index {
            var files: [String: ProtoFileDescriptor] = [:]
            var symbols: [String: String] = [:]  // symbol → file name
        }
        private let load: @Sendable () -> [ProtoFileDescriptor]
        private let index = Mutex<Index?>(nil)

        init(load: @escaping @Sendable () -> [ProtoFileDescriptor]) { self.load = load }

        func get() -> Index {
            index.withLock { built in
                if let built { return built }
                var new = Index()
                for f in load() {
                    new.files[f.name] = f
                    for s in f.symbols { new.symbols[s] = f.name }
                }
                built = new
                return new
            }
        }
    }

    /// `files` is called once, on the first request that needs a descriptor.
    public init(files: @escaping @Sendable () -> [ProtoFileDescriptor], serviceNames: [String]) {
        self.catalog = Catalog(load: files)
        self.serviceNames = serviceNames.sorted()
    }

    public init(files: [ProtoFileDescriptor], serviceNames: [String]) {
        self.init(files: { files }, serviceNames: serviceNames)
    }

    /// A file and everything it imports, the file itself first (as grpc-go answers).
    func closure(of name: String) -> [[UInt8]]? {
        let files = catalog.get().files
        guard files[name] != nil else { return nil }
        var order: [String] = []
        var seen: Set<String> = []
        func visit(_ n: String) {
            guard !seen.contains(n), let f = files[n] else { return }
            seen.insert(n)
            order.append(n)
            for d in f.dependencies { visit(d) }
        }
        visit(name)
        return order.compactMap { files[$0]?.serialized }
    }

    func fileByName(_ name: String) -> Answer {
        guard let c = closure(of: name) else { return .error(.notFound, "file not found: \(name)") }
        return .files(c)
    }

    func fileContainingSymbol(_ symbol: String) -> Answer {
        var s = symbol
        if s.hasPrefix(".") { s.removeFirst() }
        if let file = catalog.get().symbols[s], let c = closure(of: file) { return .files(c) }
        return .error(.notFound, "symbol not found: \(symbol)")
    }

    /// Both versions on one handler: v1alpha's messages are v1's, field for field, so the
    /// v1alpha path is served with the v1 types (same bytes on the wire).
    public func register(on router: RPCRouter) {
        for method in [Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo,
                       Grpc_Reflection_V1alpha_ServerReflection.Method.serverReflectionInfo] {
            router.bidiStreaming(method, Grpc_Reflection_V1_ServerReflectionRequest.self,
                                 Grpc_Reflection_V1_ServerReflectionResponse.self, execution: .eventLoop) { requests, responses, _ in
                for try await request in requests {
                    try await responses.send(respond(to: request))
                }
            }
        }
    }

    func respond(to req: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        let answer: Answer
        switch req.messageRequest {
        case .fileByFilename(let n)?: answer = fileByName(n)
        case .fileContainingSymbol(let s)?: answer = fileContainingSymbol(s)
        case .listServices?: answer = .services(serviceNames)
        case .fileContainingExtension?, .allExtensionNumbersOfType?:
            answer = .error(.notFound, "extensions are not used by this server")
        case nil: answer = .error(.invalidArgument, "empty reflection request")
        }
        var resp = Grpc_Reflection_V1_ServerReflectionResponse()
        resp.validHost = req.host
        resp.originalRequest = req
        switch answer {
        case .files(let f):
            var fd = Grpc_Reflection_V1_FileDescriptorResponse()
            fd.fileDescriptorProto = f
            resp.messageResponse = .fileDescriptorResponse(fd)
        case .services(let names):
            var list = Grpc_Reflection_V1_ListServiceResponse()
            list.service = names.map { var s = Grpc_Reflection_V1_ServiceResponse(); s.name = $0; return s }
            resp.messageResponse = .listServicesResponse(list)
        case .error(let code, let message):
            var e = Grpc_Reflection_V1_ErrorResponse()
            e.errorCode = Int32(code.rawValue)
            e.errorMessage = message
            resp.messageResponse = .errorResponse(e)
        }
        return resp
    }
}
