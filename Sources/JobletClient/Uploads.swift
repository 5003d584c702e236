import Foundation
import JobletAPI
#if canImport(Glibc)
import Glibc
#endif

/// `--upload PATH`: a file lands in the job's workspace under its own name; a directory lands
/// under its name with everything below it. Permission bits are kept; symlinks are followed
/// (a directory reached twice, a loop, is refused).
public enum Uploads {
    public static func collect(_ paths: [String]) throws -> [Joblet_FileUpload] {
        var uploads: [Joblet_FileUpload] = []
        var names = Set<String>()
        for path in paths {
            var trimmed = path
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
            let name = (trimmed as NSString).lastPathComponent
            guard !name.isEmpty, name != ".", name != "..", name != "/" else {
                throw JobletClientError("cannot upload '\(path)': name a file or directory, not '\(name)'")
            }
            guard names.insert(name).inserted else {
                throw JobletClientError("two uploads would both land at /work/\(name)")
            }
            var visited = Set<[UInt64]>()
            try add(source: trimmed, as: name, into: &uploads, visited: &visited)
        }
        return uploads
    }

    private static func add(source: String, as name: String, into uploads: inout [Joblet_FileUpload],
                            visited: inout Set<[UInt64]>) throws {
        var st = stat()
        guard stat(source, &st) == 0 else {
            throw JobletClientError("cannot upload \(source): \(String(cString: strerror(errno)))")
        }
        var entry = Joblet_FileUpload()
        entry.path = name
        entry.mode = UInt32(st.st_mode) & 0o7777
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            guard visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else {
                throw JobletClientError("cannot upload \(source): a symlink loops back to a directory already uploaded")
            }
            entry.isDirectory = true
            uploads.append(entry)
            let children: [String]
            do { children = try FileManager.default.contentsOfDirectory(atPath: source) } catch {
                throw JobletClientError("cannot read directory \(source): \(error.localizedDescription)")
            }
            for child in children.sorted() {
                try add(source: source + "/" + child, as: name + "/" + child, into: &uploads, visited: &visited)
            }
        case S_IFREG:
            guard let data = FileManager.default.contents(atPath: source) else {
                throw JobletClientError("cannot read \(source)")
            }
            entry.content = [UInt8](data)
            uploads.append(entry)
        default:
            throw JobletClientError("cannot upload \(source): not a regular file or directory")
        }
    }
}
