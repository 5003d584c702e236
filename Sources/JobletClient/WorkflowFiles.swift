import Foundation
import JobletAPI
import Yams

/// `rnx workflow run FILE.yaml`: the request, with every file the YAML's jobs upload
/// (`uploads: {files: […], directories: […]}`, in either dialect) read relative to the YAML's
/// folder, modes kept. The server validates everything else.
public enum WorkflowFiles {
    public static func request(yamlPath: String) throws -> Joblet_RunWorkflowRequest {
        let yaml: String
        do { yaml = try String(contentsOfFile: yamlPath, encoding: .utf8) } catch {
            throw JobletClientError("cannot read workflow \(yamlPath): \(error.localizedDescription)")
        }
        let folder = (yamlPath as NSString).deletingLastPathComponent
        var request = Joblet_RunWorkflowRequest()
        request.workflow = (yamlPath as NSString).lastPathComponent
        request.yamlContent = yaml
        request.workflowFiles = try collect(referencedPaths(in: yaml), base: folder.isEmpty ? "." : folder)
        return request
    }

    /// Paths under `uploads.files` and `uploads.directories` of every job, each once, in order.
    /// A YAML this cannot read yields none: the server then names the problem.
    public static func referencedPaths(in yaml: String) -> (files: [String], directories: [String]) {
        guard let root = try? Yams.compose(yaml: yaml), let jobs = root["jobs"] else { return ([], []) }
        let specs: [Node] = jobs.mapping.map { Array($0.values) } ?? jobs.sequence.map(Array.init) ?? []
        var files: [String] = []
        var directories: [String] = []
        for spec in specs {
            guard let uploads = spec["uploads"] else { continue }
            if let list = uploads.sequence {
                files += list.compactMap(\.string)
            } else {
                files += uploads["files"]?.sequence?.compactMap(\.string) ?? []
                directories += uploads["directories"]?.sequence?.compactMap(\.string) ?? []
            }
        }
        return (unique(files), unique(directories))
    }

    static func collect(_ paths: (files: [String], directories: [String]), base: String) throws -> [Joblet_FileUpload] {
        var uploads: [Joblet_FileUpload] = []
        var seen = Set<String>()
        func add(_ relative: String, directoryAllowed: Bool) throws {
            guard seen.insert(relative).inserted else { return }
            let source = base + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw JobletClientError("workflow upload '\(relative)' not found at \(source) (paths are relative to the YAML's folder)")
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: source)
            var entry = Joblet_FileUpload()
            entry.path = relative
            entry.mode = UInt32((attributes?[.posixPermissions] as? NSNumber)?.uint32Value ?? 0o644) & 0o7777
            if isDirectory.boolValue {
                guard directoryAllowed else {
                    throw JobletClientError("workflow upload '\(relative)' is a directory: list it under uploads.directories")
                }
                entry.isDirectory = true
                uploads.append(entry)
                let children: [String]
                do { children = try FileManager.default.contentsOfDirectory(atPath: source) } catch {
                    throw JobletClientError("cannot read directory \(source): \(error.localizedDescription)")
                }
                for child in children.sorted() { try add(relative + "/" + child, directoryAllowed: true) }
            } else {
                guard let data = FileManager.default.contents(atPath: source) else {
                    throw JobletClientError("cannot read workflow upload \(source)")
                }
                entry.content = [UInt8](data)
                uploads.append(entry)
            }
        }
        for file in paths.files { try add(file, directoryAllowed: false) }
        for folder in paths.directories {
            var trimmed = folder
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
            try add(trimmed, directoryAllowed: true)
        }
        return uploads
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
