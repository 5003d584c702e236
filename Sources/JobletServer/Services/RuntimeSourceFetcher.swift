import Foundation
import HTTP1
import JobletCore
import JobletLinux
import RPC

/// Fetches a runtime's source from GitHub for InstallRuntimeFromGithub: the branch's tarball
/// from `<base>/<owner>/<name>/tar.gz/refs/heads/<branch>` (codeload.github.com's layout;
/// `runtimes.githubBaseURL` points it elsewhere, e.g. a test's loopback server), with a time and
/// a size limit, unpacked by the host's `tar` into a scratch directory (GNU tar refuses `..` and
/// absolute names and creates symlinks last), of which the files under `path` are kept (symlinks
/// and special files dropped).
public struct RuntimeSourceFetcher: Sendable {
    public let baseURL: String
    public let timeout: Duration
    public let maxBytes: Int
    let scratch: String

    public init(baseURL: String = "https://codeload.github.com", timeout: Duration = .seconds(120),
                maxBytes: Int = 256 << 20, scratch: String) {
        self.baseURL = baseURL
        self.timeout = timeout
        self.maxBytes = maxBytes
        self.scratch = scratch
    }

    /// Runs a host program; nil when it exits 0, else its standard error (500 bytes at most).
    static func run(_ executable: String, _ arguments: [String]) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile().prefix(500), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : (text.isEmpty ? "exit \(p.terminationStatus)" : text)
    }

    /// `repository` is `owner/name` or a URL ending in them (`https://github.com/o/n(.git)`).
    static func ownerAndName(_ repository: String) throws(JobletError) -> (String, String) {
        var r = repository.trimmingCharacters(in: .whitespaces)
        if let scheme = r.range(of: "://") { r = String(r[scheme.upperBound...]); r = r.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }
        if r.hasSuffix(".git") { r.removeLast(4) }
        let parts = r.split(separator: "/").map(String.init)
        let ok: (String) -> Bool = { s in !s.isEmpty && s != "." && s != ".." && s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95 } }
        guard parts.count == 2, ok(parts[0]), ok(parts[1]) else {
            throw .invalidArgument("repository '\(repository)' is not owner/name or a GitHub URL (e.g. ehsaniara/joblet-runtimes)")
        }
        return (parts[0], parts[1])
    }

    public func fetch(repository: String, branch: String, path: String) async throws -> (files: [RuntimeSourceFile], fetched: String, path: String) {
        let (owner, name) = try Self.ownerAndName(repository)
        let branch = branch.isEmpty ? "main" : branch
        guard !branch.contains(".."), branch.utf8.allSatisfy({ $0 > 32 && $0 != 0x3F && $0 != 0x23 && $0 != 0x25 }) else {
            throw JobletError.invalidArgument("branch '\(branch)' is not a branch name")
        }
        let sub = path.split(separator: "/").filter { $0 != "." }.map(String.init)
        if sub.contains("..") || path.hasPrefix("/") { throw JobletError.invalidArgument("path '\(path)' must be relative inside the repository, without '..'") }
        guard let base = URL(string: baseURL), let scheme = base.scheme, let host = base.host else {
            throw JobletError.failedPrecondition("runtimes.githubBaseURL '\(baseURL)' is not a URL")
        }
        let secure = scheme == "https"
        let endpoint = HTTP1Endpoint(secure: secure, host: host, port: base.port ?? (secure ? 443 : 80))
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        let target = "\(prefix)/\(owner)/\(name)/tar.gz/refs/heads/\(branch)"
        let client = try HTTP1Client()
        let bytes: [UInt8]
        do {
            let response = try await client.execute(HTTP1Request(method: "GET", target: target), to: endpoint, timeout: timeout)
            guard response.status == 200 else {
                await client.shutdown()
                throw JobletError.notFound("GitHub answered \(response.status) for \(owner)/\(name) branch \(branch) (\(baseURL)\(target)): check the repository and branch")
            }
            bytes = try await response.body.collect(upTo: maxBytes)
            await client.shutdown()
        } catch let e as JobletError {
            throw e
        } catch let e as HTTP1ClientError {
            await client.shutdown()
            if e.kind == .bodyTooLarge { throw JobletError.resourceExhausted("the repository's tarball is larger than \(maxBytes) bytes (runtimes.githubMaxBytes)") }
            throw JobletError.unavailable("cannot download \(owner)/\(name) from \(baseURL): \(e)")
        }
        let (files, size) = try await offPool { try self.unpack(bytes, owner: owner, name: name, branch: branch, path: path, sub: sub) }
        return (files, "downloaded \(owner)/\(name)@\(branch)\(path.isEmpty ? "" : ":" + path): \(files.count) file(s), \(size) bytes", sub.joined(separator: "/"))
    }

    /// The tarball unpacked in a scratch directory (removed after), and the files under `sub`.
    func unpack(_ bytes: [UInt8], owner: String, name: String, branch: String, path: String, sub: [String]) throws -> ([RuntimeSourceFile], Int) {
        let dir = scratch + "/fetch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tarball = dir + "/source.tar.gz"
        _ = FileManager.default.createFile(atPath: tarball, contents: Data(bytes))
        try FileManager.default.createDirectory(atPath: dir + "/x", withIntermediateDirectories: false)
        // Unpacked size bounded too (a small gzip may expand to anything): at most maxBytes of tar.
        let plain = dir + "/source.tar"
        _ = try Self.run("/bin/sh", ["-c", "gzip -dc \"$1\" | head -c \"$2\" > \"$3\"", "sh", tarball, String(maxBytes + 1), plain])
        let unpacked = (try? FileManager.default.attributesOfItem(atPath: plain)[.size] as? Int) ?? 0
        if unpacked > maxBytes {
            throw JobletError.resourceExhausted("\(owner)/\(name) unpacks to more than \(maxBytes) bytes (runtimes.githubMaxBytes)")
        }
        if unpacked == 0 { throw JobletError.invalidArgument("the download of \(owner)/\(name) is not a gzip tarball") }
        let tarError = try Self.run("/bin/tar", ["-xf", plain, "-C", dir + "/x", "--no-same-owner", "--no-same-permissions",
                                                 "--strip-components=1"])
        if let tarError { throw JobletError.invalidArgument("the download of \(owner)/\(name) is not a tarball: \(tarError)") }
        let root = ([dir, "x"] + sub).joined(separator: "/")
        var files: [RuntimeSourceFile] = []
        var total = 0
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw JobletError.notFound("path '\(path)' does not exist in \(owner)/\(name) branch \(branch)")
        }
        while let rel = walker.nextObject() as? String {
            var st = stat()
            guard lstat(root + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            guard files.count < 10_000 else { throw JobletError.invalidArgument("more than 10000 files under '\(path)'") }
            guard let data = FileManager.default.contents(atPath: root + "/" + rel) else { continue }
            total += data.count
            if total > maxBytes { throw JobletError.resourceExhausted("the files under '\(path)' are larger than \(maxBytes) bytes") }
            files.append(RuntimeSourceFile(path: rel, content: [UInt8](data), executable: st.st_mode & 0o111 != 0))
        }
        if files.isEmpty { throw JobletError.notFound("path '\(path)' holds no files in \(owner)/\(name) branch \(branch)") }
        return (files, bytes.count)
    }
}
