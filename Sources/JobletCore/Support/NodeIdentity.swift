import Foundation

/// This server's node id: a UUID made on first start and kept in `<data>/node-id`, so that jobs,
/// GetJobStatus and HostInfo name the same node across restarts (and a copied data directory
/// keeps its node).
public enum NodeIdentity {
    public static let fileName = "node-id"

    /// Reads the id, or makes one and stores it (written to a temporary file, then renamed, so
    /// a crash never leaves half an id). A file that holds something else is an error naming it.
    public static func loadOrCreate(dataDirectory: URL) throws -> String {
        let file = dataDirectory.appendingPathComponent(fileName)
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let uuid = UUID(uuidString: id) else {
                throw JobletError.internal("\(file.path) does not hold a UUID (\(id.prefix(40))): remove it to make a new node id")
            }
            return uuid.uuidString.lowercased()
        }
        let id = UUID().uuidString.lowercased()
        let temporary = dataDirectory.appendingPathComponent(".\(fileName).\(getpid())")
        try Data((id + "\n").utf8).write(to: temporary)
        // link(2) refuses to replace: if another process made one meanwhile, theirs wins.
        if link(temporary.path, file.path) != 0 {
            unlink(temporary.path)
            return try loadOrCreate(dataDirectory: dataDirectory)
        }
        unlink(temporary.path)
        return id
    }
}
