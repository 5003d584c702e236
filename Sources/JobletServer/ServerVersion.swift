import Foundation
import JobletCore

/// What `server_version` reports. The version is this constant; the commit is read once from the
/// source checkout the binary was built from (its .git, found from this file's path at build
/// time) when that checkout is still there, else "unknown"; the build date is the executable's
/// modification time (when it was linked).
public enum ServerVersion {
    public static let version = "0.17.0"
    public static let component = "jobletd"

    public static let swiftVersion: String = {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }()

    public static let gitCommit: String = commit(sourceFile: #filePath) ?? "unknown"

    public static let buildDate: String = {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return "" }
        return RFC3339.format(Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec)))
    }()

    /// HEAD's commit of the git checkout holding `sourceFile`: .git may be a directory or, in a
    /// worktree, a file naming one; HEAD may name a ref that is loose or packed.
    static func commit(sourceFile: String) -> String? {
        var dir = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
        for _ in 0..<8 {
            let dotGit = dir.appendingPathComponent(".git")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDir) {
                var gitDir = dotGit
                if !isDir.boolValue {
                    guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else { return nil }
                    gitDir = URL(fileURLWithPath: String(text.dropFirst(8)).trimmingCharacters(in: .whitespacesAndNewlines),
                                 relativeTo: dir)
                }
                return head(gitDir)
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func head(_ gitDir: URL) -> String? {
        guard let head = try? String(contentsOf: gitDir.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return head.count == 40 ? head : nil }
        let ref = String(head.dropFirst(5))
        // A worktree's refs live in the common directory.
        var dirs = [gitDir]
        if let common = try? String(contentsOf: gitDir.appendingPathComponent("commondir"), encoding: .utf8) {
            dirs.append(URL(fileURLWithPath: common.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: gitDir))
        }
        for d in dirs {
            if let loose = try? String(contentsOf: d.appendingPathComponent(ref), encoding: .utf8) {
                return loose.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let packed = try? String(contentsOf: d.appendingPathComponent("packed-refs"), encoding: .utf8) {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    return String(line.prefix(40))
                }
            }
        }
        return nil
    }
}
