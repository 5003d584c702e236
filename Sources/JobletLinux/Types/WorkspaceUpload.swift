/// One file or directory to place in the job's workspace before it starts.
public struct WorkspaceUpload: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case file([UInt8])
        case directory
    }
    /// Relative to the workspace; `..`, absolute paths and symlinks on the way are rejected.
    public var path: String
    /// Permission bits (0o644, 0o755, ...); set-id bits are dropped.
    public var mode: UInt32
    public var content: Content

    public init(path: String, mode: UInt32, content: Content) {
        self.path = path
        self.mode = mode
        self.content = content
    }

    public static func file(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o644) -> WorkspaceUpload {
        WorkspaceUpload(path: path, mode: mode, content: .file(bytes))
    }

    public static func directory(_ path: String, mode: UInt32 = 0o755) -> WorkspaceUpload {
        WorkspaceUpload(path: path, mode: mode, content: .directory)
    }
}
