import Foundation

/// The certificate files jobletd needs, named as `scripts/gen-certs.sh` writes them.
public struct CertificatePaths: Sendable {
    public let directory: String
    public var ca: String { directory + "/ca-cert.pem" }
    public var serverCert: String { directory + "/server-cert.pem" }
    public var serverKey: String { directory + "/server-key.pem" }

    public init(directory: String) { self.directory = directory }

    /// With no certificates at all, makes a development PKI (first start); a directory
    /// holding only some of them is an operator's mistake and is reported, not overwritten.
    public func ensureExist(generator: String?) throws -> Bool {
        let fm = FileManager.default
        let present = [ca, serverCert, serverKey].filter { fm.fileExists(atPath: $0) }
        if present.count == 3 { return false }
        if !present.isEmpty {
            let missing = [ca, serverCert, serverKey].filter { !fm.fileExists(atPath: $0) }
            throw ConfigurationError("missing certificate \(missing.joined(separator: ", ")) (run scripts/gen-certs.sh \(directory), or point --certs at a directory with ca-cert.pem, server-cert.pem, server-key.pem)")
        }
        guard let generator, fm.isExecutableFile(atPath: generator) else {
            throw ConfigurationError("no certificates in \(directory) and scripts/gen-certs.sh not found: run it by hand (scripts/gen-certs.sh \(directory))")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [generator, directory]
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ConfigurationError("generating certificates in \(directory) failed: \(text.split(separator: "\n").last ?? "")")
        }
        return true
    }

    /// Finds scripts/gen-certs.sh next to the working directory or above the executable.
    public static func locateGenerator(executable: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/scripts/gen-certs.sh"]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("scripts/gen-certs.sh").path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
