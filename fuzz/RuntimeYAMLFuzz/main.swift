// libFuzzer target for runtime.yml (RuntimeManifest, on Yams with its C parser, libyaml) and
// runtime names (RuntimeName), as jobletd reads them at install and at every start.
// Oracle: no trap, hang or sanitizer report; a refusal is a JobletError with a non-empty message;
// an accepted manifest parses again to the identical value, its mount sources are relative
// without `..`, its targets absolute, and PATH_PREPEND lands in front of PATH. The first line of
// the input is also tried as a runtime name: an accepted one is a plain directory name whose
// normalized form normalizes to itself.
// Build and run with fuzz/run-runtime-yaml-fuzz.sh.
import JobletCore

@_cdecl("LLVMFuzzerTestOneInput")
public func runtimeYAMLFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let m = try RuntimeManifest(parsing: text)
        guard let again = try? RuntimeManifest(parsing: text) else { preconditionFailure("accepted once, refused the second time") }
        precondition(again == m, "the same runtime.yml parsed to two different manifests")
        for mount in m.mounts {
            precondition(!mount.source.hasPrefix("/") && !mount.source.split(separator: "/").contains(".."), "accepted source \(mount.source)")
            precondition(mount.target.hasPrefix("/"), "accepted target \(mount.target)")
        }
        let env = m.applyEnvironment(to: ["PATH": "/usr/bin"])
        if let prepend = m.environment["PATH_PREPEND"], !prepend.isEmpty {
            precondition(env["PATH"] == prepend + ":/usr/bin", "PATH_PREPEND not in front: \(env["PATH"] ?? "")")
        }
    } catch {
        precondition(!error.message.isEmpty, "a refusal without a message: \(error)")
    }
    let line = String(text.prefix { $0 != "\n" })
    if let name = try? RuntimeName(line) {
        let n = name.normalized
        precondition(!n.isEmpty && !n.contains("/") && !n.contains("..") && !n.hasPrefix(".") && !n.contains(":"), "accepted name \(n)")
        precondition((try? RuntimeName(n))?.normalized == n, "\(n) does not normalize to itself")
    }
    return 0
}
