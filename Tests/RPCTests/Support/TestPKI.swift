import Foundation

/// The project's gen-certs.sh output in a temporary directory, made once per test process.
struct TestPKI: Sendable {
    let directory: String

    static let shared: TestPKI = {
        let directory = NSTemporaryDirectory() + "jobletd-rpc-\(getpid())"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "'\(root)/scripts/gen-certs.sh' '\(directory)' >/dev/null 2>&1"]
        do { try p.run() } catch { fatalError("gen-certs.sh: \(error)") }
        p.waitUntilExit()
        precondition(p.terminationStatus == 0, "gen-certs.sh failed")
        return TestPKI(directory: directory)
    }()

    func path(_ name: String) -> String { directory + "/" + name }
}
