import XCTest
import Foundation
import ProtoWire

/// Runs `body` against a writer over a buffer of exactly `size` bytes.
func written(size: Int, _ body: (inout ProtoWriter) -> Void) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        var w = ProtoWriter(buffer)
        body(&w)
        count = w.position
    }
}

/// Reads from `bytes` with a fresh reader.
func reading<T>(_ bytes: [UInt8], _ body: (inout ProtoReader) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { raw in
        var r = ProtoReader(raw)
        return try body(&r)
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        out.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// The package root, found from this file's path (Tests/ProtoWireTests/TestSupport.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a program to completion; returns its exit status and combined output.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], cwd: URL? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let cwd { p.currentDirectoryURL = cwd }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

func expectDecodingError(_ reason: ProtoDecodingError.Reason, _ body: () throws -> Void,
                         file: StaticString = #filePath, line: UInt = #line) {
    do {
        try body()
        XCTFail("expected \(reason), decoded without error", file: file, line: line)
    } catch let e as ProtoDecodingError {
        XCTAssertEqual(e.reason, reason, "\(e)", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
