import Glibc

/// Writes uploads into a workspace without ever leaving it: every path is checked lexically
/// (no absolute paths, no `..`), then walked component by component with openat(O_NOFOLLOW), so
/// a symlink planted in the workspace leads nowhere. All uploads are checked before the first
/// byte is written: a rejected batch writes nothing.
struct WorkspaceWriter {
    let workspace: String
    let owner: JobUser

    func write(_ uploads: [WorkspaceUpload]) throws {
        let planned = try uploads.map { (upload: $0, components: try Self.components(of: $0.path)) }
        try withDirectory(workspace) { root in
            var kinds: [String: Bool] = [:]  // path → isDirectory, for uploads earlier in this batch
            for (upload, components) in planned {
                try check(upload, components, root: root, batch: &kinds)
            }
            for (upload, components) in planned {
                try place(upload, components, root: root)
            }
        }
    }

    /// "a/./b" → ["a", "b"]; absolute, `..`, NUL and empty paths are refused.
    static func components(of path: String) throws -> [String] {
        if path.hasPrefix("/") { throw LocalJobError.uploadRejected(path: path, reason: "absolute paths are not allowed; give a path relative to the workspace") }
        if path.utf8.contains(0) { throw LocalJobError.uploadRejected(path: path, reason: "the path contains a NUL byte") }
        let parts = path.split(separator: "/").map(String.init).filter { $0 != "." }
        if parts.contains("..") { throw LocalJobError.uploadRejected(path: path, reason: "'..' would leave the workspace") }
        if parts.isEmpty { throw LocalJobError.uploadRejected(path: path, reason: "the path names the workspace itself") }
        return parts
    }

    private func check(_ upload: WorkspaceUpload, _ components: [String], root: Int32, batch: inout [String: Bool]) throws {
        // Earlier uploads in the batch count as if already written.
        for depth in 1..<components.count + 1 {
            let prefix = components[0..<depth].joined(separator: "/")
            let isLast = depth == components.count
            if let isDir = batch[prefix], !isDir, !isLast {
                throw LocalJobError.uploadRejected(path: upload.path, reason: "\(prefix) is a file uploaded in the same request")
            }
        }
        var dir = dup(root)
        defer { close(dir) }
        for (index, name) in components.enumerated() {
            var st = stat()
            if fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
                if errno == ENOENT { break }  // the rest will be created
                throw LocalJobError.uploadRejected(path: upload.path, reason: "cannot inspect \(name): \(LinuxError.message(for: errno))")
            }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFLNK {
                throw LocalJobError.uploadRejected(path: upload.path, reason: "\(name) is a symbolic link; uploads never follow links")
            }
            let isLast = index == components.count - 1
            if !isLast || upload.content == .directory {
                guard kind == S_IFDIR else {
                    throw LocalJobError.uploadRejected(path: upload.path, reason: "\(name) exists and is not a directory")
                }
                if isLast { break }
                let next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard next >= 0 else { throw LocalJobError.uploadRejected(path: upload.path, reason: "cannot open \(name): \(LinuxError.message(for: errno))") }
                close(dir)
                dir = next
            } else if kind != S_IFREG {
                throw LocalJobError.uploadRejected(path: upload.path, reason: "\(name) exists and is not a regular file")
            }
        }
        batch[components.joined(separator: "/")] = upload.content == .directory
    }

    private func place(_ upload: WorkspaceUpload, _ components: [String], root: Int32) throws {
        var dir = dup(root)
        defer { close(dir) }
        let mode = mode_t(upload.mode & 0o1777)
        for (index, name) in components.enumerated() {
            let isLast = index == components.count - 1
            if isLast, case .file(let bytes) = upload.content {
                try writeFile(bytes, name: name, in: dir, mode: mode, path: upload.path)
                return
            }
            if mkdirat(dir, name, isLast ? mode : 0o755) == 0 {
                fchownat(dir, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW)
            } else if errno != EEXIST {
                throw LinuxError("mkdirat", path: upload.path, errno: errno)
            }
            let next = try systemCall("openat", path: upload.path) { openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            close(dir)
            dir = next
            if isLast { fchmod(dir, mode) }
        }
    }

    private func writeFile(_ bytes: [UInt8], name: String, in dir: Int32, mode: mode_t, path: String) throws {
        let fd = try systemCall("openat", path: path) {
            openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = try systemCall("write", path: path) {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += n
        }
        try systemCall("fchmod", path: path) { fchmod(fd, mode) }  // the umask does not apply
        try systemCall("fchown", path: path) { fchown(fd, owner.uid, owner.gid) }
    }

    private func withDirectory(_ path: String, _ body: (Int32) throws -> Void) throws {
        let fd = try systemCall("open", path: path) { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(fd) }
        try body(fd)
    }
}
