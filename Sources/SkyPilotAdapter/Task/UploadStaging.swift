import Foundation
import JobletCore

/// Writes a job's uploads into a directory of their own, which becomes the task's `workdir`.
enum UploadStaging {
    /// `<root>/<jobID>/`, filled with the uploads (paths are relative and validated upstream).
    static func stage(_ uploads: [FileUpload], jobID: String, under root: URL) throws -> URL {
        let dir = root.appendingPathComponent(jobID, isDirectory: true)
        let fm = FileManager.default
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for upload in uploads {
            let relative = upload.path.split(separator: "/").filter { $0 != "." && $0 != ".." && !$0.isEmpty }
                .joined(separator: "/")
            guard !relative.isEmpty else { continue }
            let target = dir.appendingPathComponent(relative)
            if upload.isDirectory {
                try fm.createDirectory(at: target, withIntermediateDirectories: true)
            } else {
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(upload.content).write(to: target)
            }
            if upload.mode != 0 {
                try fm.setAttributes([.posixPermissions: NSNumber(value: upload.mode & 0o7777)], ofItemAtPath: target.path)
            }
        }
        return dir
    }
}
