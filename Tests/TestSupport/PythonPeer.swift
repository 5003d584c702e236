import Foundation
import XCTest

/// A Python helper from `tests/` that prints `PORT <n>` once it listens: started for one test and
/// stopped (SIGTERM, then waited for) when the test ends. A helper that does not start skips the test.
public final class PythonPeer: @unchecked Sendable {
    public let process = Process()
    public let port: Int

    /// The repository's root (this file is Tests/TestSupport/PythonPeer.swift).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `script` is relative to the repository root, e.g. `tests/http1/peer.py`.
    public init(_ test: XCTestCase, script: String, arguments: [String], teardown: (@Sendable () -> Void)? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repositoryRoot.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw XCTSkip("\(script) did not start: \(text)")
        }
        self.port = port
        let process = self.process
        test.addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
            teardown?()
        }
    }
}
