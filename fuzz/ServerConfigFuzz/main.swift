// libFuzzer target for jobletd's configuration file: the input, as UTF-8 text, is written to a
// file and read with `DaemonConfiguration.load(yamlFile:)`, the call jobletd makes at start
// (Yams, ConfigFileChecker against ConfigKeys, then YAMLDecoder and the range checks).
// Oracle: no trap, hang or sanitizer report; the file either loads, or the error is a
// ConfigurationError whose text names the file and a line ("line N", or Yams' "N:C: error:") or a setting by its full
// key (`server.eventLoops`), never a bare decoder error; a file that loads loads again to the same
// configuration, and what it loads keeps the invariants jobletd relies on.
// Build and run with fuzz/run-server-config-fuzz.sh.
import Foundation
@testable import JobletServer

private let path = "/dev/shm/jobletd-server-config-fuzz-\(getpid()).yml"
private let settings = ConfigKeys.known.filter { $0.value != .section }.keys.sorted()

private func load() -> Result<DaemonConfiguration, any Error> {
    var configuration = DaemonConfiguration()
    do { try configuration.load(yamlFile: path) } catch { return .failure(error) }
    return .success(configuration)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func serverConfigFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // Valid UTF-8 only: a file that is not UTF-8 is refused before any parsing ("cannot read config").
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    precondition(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "cannot write \(path)")
    switch load() {
    case .failure(let error):
        guard let error = error as? ConfigurationError else { preconditionFailure("not a ConfigurationError: \(error)") }
        let message = error.description
        precondition(message.contains("config \(path)"), "the error does not name the file: \(message)")
        // "line 3", or Yams' "3:9: error: scanner: …" for YAML that does not parse.
        let namesLine = message.range(of: #"line [0-9]+|[0-9]+:[0-9]+: error:"#, options: .regularExpression) != nil
        precondition(namesLine || settings.contains { message.contains($0) },
                     "the error names neither a line nor a setting: \(message)")
    case .success(let configuration):
        precondition(configuration.uploadMemoryBudget >= configuration.maxUploadMessageSize,
                     "upload budget below the largest upload")
        precondition(configuration.maxUploadMessageSize >= configuration.maxReceiveMessageSize
                     || configuration.maxUploadMessageSize == DaemonConfiguration().maxUploadMessageSize,
                     "maxUploadMessageSize below maxReceiveMessageSize")
        precondition((0...65535).contains(configuration.port), "port out of range")
        precondition(["default", "unconfined"].contains(configuration.jobSeccomp), "seccomp profile unknown")
        precondition(DaemonConfiguration.logLevels.contains(configuration.logLevel), "log level unknown")
        precondition(configuration.workflowMaxConcurrentLaunches >= 1, "no workflow launches allowed")
        guard case .success(let again) = load() else { preconditionFailure("loaded once, refused the second time") }
        precondition(again == configuration, "the same file loaded to two configurations")
    }
    return 0
}
