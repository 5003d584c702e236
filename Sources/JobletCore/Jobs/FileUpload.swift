/// A file or directory the client sends with a job; it lands in the job's workspace.
public struct FileUpload: Sendable, Hashable, Codable {
    /// Relative to the workspace; never absolute, never containing `..`.
    public var path: String
    public var content: [UInt8]
    /// Permission bits (0 = backend default).
    public var mode: UInt32
    public var isDirectory: Bool

    public init(path: String, content: [UInt8] = [], mode: UInt32 = 0, isDirectory: Bool = false) {
        self.path = path
        self.content = content
        self.mode = mode
        self.isDirectory = isDirectory
    }

    public var info: UploadInfo {
        UploadInfo(path: path, size: content.count, mode: mode, isDirectory: isDirectory)
    }
}

/// What a listing shows of an upload: everything but the content.
public struct UploadInfo: Sendable, Hashable, Codable {
    public var path: String
    public var size: Int
    public var mode: UInt32
    public var isDirectory: Bool

    public init(path: String, size: Int, mode: UInt32, isDirectory: Bool) {
        self.path = path
        self.size = size
        self.mode = mode
        self.isDirectory = isDirectory
    }
}
