// protoc-gen-jobletswift: a protoc plugin. Reads a CodeGeneratorRequest on stdin (decoded with
// ProtoWire, not a protobuf library) and writes a CodeGeneratorResponse with one Swift file per
// .proto plus JobletAPIRegistry.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProtoWire

func readStandardInput() -> [UInt8] {
    var input: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n > 0 { input.append(contentsOf: chunk[0..<n]) } else if n == 0 || errno != EINTR { break }
    }
    return input
}

func writeStandardOutput(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if n > 0 { offset += n } else if errno != EINTR { exit(1) }
    }
}

func generate(_ request: CodeGeneratorRequest) throws -> [CodeGeneratorResponse.File] {
    let types = TypeTable(files: request.protoFiles)
    let targets = Set(request.filesToGenerate)
    let generated = request.protoFiles.filter { targets.contains($0.name) }
    var files: [CodeGeneratorResponse.File] = []
    for file in generated {
        let g = FileGenerator(file: file, types: types)
        files.append(.init(name: g.outputName, content: try g.generate()))
    }
    // `--jobletswift_opt=registry=Name` renames the registry (test fixtures generate their own).
    var registry = "JobletAPIRegistry"
    for option in request.parameter.split(separator: ",") where option.hasPrefix("registry=") {
        registry = String(option.dropFirst("registry=".count))
    }
    files.append(.init(name: registry + ".swift", content: RegistryGenerator(files: generated, name: registry).generate()))
    return files
}

var response = CodeGeneratorResponse()
do {
    let input = readStandardInput()
    let request = try input.withUnsafeBytes { try CodeGeneratorRequest(bytes: $0) }
    response.files = try generate(request)
} catch {
    response.error = "protoc-gen-jobletswift: \(error)"
}
writeStandardOutput(response.serializedBytes())
