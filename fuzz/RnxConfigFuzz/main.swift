// libFuzzer target for rnx's client configuration (`~/.rnx/rnx-config.yml`, Joblet's format):
// `RnxConfig(parsing:path:)`, which `RnxConfig.load(path:)` calls with the file's bytes decoded
// as UTF-8 (as here), over Yams' `load` (libyaml, its resolver and constructor).
// Oracle: no trap, hang or sanitizer report; a refusal is a JobletClientError whose text names the
// file; an accepted file parses again to the same configuration, and its certificate, key and CA
// values are inline PEM or paths (relative ones under the file's folder).
// Build and run with fuzz/run-rnx-config-fuzz.sh.
import JobletClient

private let path = "/home/user/.rnx/rnx-config.yml"

@_cdecl("LLVMFuzzerTestOneInput")
public func rnxConfigFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let config: RnxConfig
    do {
        config = try RnxConfig(parsing: text, path: path)
    } catch {
        guard let error = error as? JobletClientError else { preconditionFailure("not a JobletClientError: \(error)") }
        precondition(error.description.contains(path), "the error does not name the file: \(error.description)")
        return 0
    }
    for (name, node) in config.nodes {
        for source in [node.certificate, node.privateKey, node.ca].compactMap({ $0 }) {
            switch source {
            case .inline(let pem): precondition(pem.contains("-----BEGIN "), "node \(name): inline value without PEM")
            case .file(let file): precondition(file.hasPrefix("/"), "node \(name): path \(file) not made absolute")
            }
        }
    }
    guard let again = try? RnxConfig(parsing: text, path: path) else { preconditionFailure("parsed once, refused the second time") }
    precondition(again == config, "the same text parsed to two configurations")
    return 0
}
