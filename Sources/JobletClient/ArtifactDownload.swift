import Foundation
import JobletAPI
import TLS

/// `rnx download`: an artifact into a local file, resumed from the file's size when asked, then
/// hashed whole and compared with the SHA-256 the server stored when the job ended.
public struct ArtifactDownload {
    public struct Result {
        public var path: String
        public var size: Int64
        public var sha256: String
        public var resumedFrom: Int64
    }

    public let client: JobletClient

    public init(client: JobletClient) { self.client = client }

    public func run(id: String, name: String, to path: String, resume: Bool) async throws -> Result {
        let fm = FileManager.default
        var offset: Int64 = 0
        if resume, let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber {
            offset = size.int64Value
        } else {
            guard fm.createFile(atPath: path, contents: nil) else {
                throw JobletClientError("cannot create \(path)")
            }
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? output.close() }
        try output.truncate(atOffset: UInt64(offset))
        try output.seekToEnd()
        var info: Joblet_ArtifactInfo?
        for try await chunk in try await client.downloadArtifact(id: id, name: name, offset: offset) {
            if let first = chunk.info { info = first }
            if !chunk.data.isEmpty { try output.write(contentsOf: chunk.data) }
        }
        guard let info else { throw JobletClientError("the server sent no artifact information for '\(name)'") }
        try output.synchronize()
        let (size, hash) = try Self.digest(path)
        guard size == info.size, hash == info.sha256 else {
            try? fm.removeItem(atPath: path)
            throw JobletClientError("artifact '\(name)' downloaded to \(path) does not match the server's record (\(size) bytes, SHA-256 \(hash); expected \(info.size) bytes, \(info.sha256)); the file was removed")
        }
        return Result(path: path, size: size, sha256: hash, resumedFrom: offset)
    }

    static func digest(_ path: String) throws -> (Int64, String) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let digest = SHA256Digest()
        var size: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            data.withUnsafeBytes { digest.update($0) }
            size += Int64(data.count)
        }
        return (size, digest.finalizeHex())
    }
}
