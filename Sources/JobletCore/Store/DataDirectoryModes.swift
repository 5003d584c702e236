import Foundation

/// The data directory holds every job's secrets (joblet.db's secret_environment), uploads and
/// output: only jobletd's user may read it. Applied at every start, so installs made before this
/// (0755 directories, 0644 database) are fixed too.
public enum DataDirectoryModes {
    public static let directoryMode: Int16 = 0o700
    public static let fileMode: Int16 = 0o600

    /// Creates `directory` (0700) and an empty `joblet.db` (0600) when missing, so SQLite's WAL and
    /// SHM files, which take the database's mode, are born 0600; then fixes the modes of what is
    /// there: the directory, its `logs` and `jobs` directories, the database files and the logs.
    public static func secure(_ directory: URL) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: directoryMode])
            let db = directory.appendingPathComponent("joblet.db").path
            if !fm.fileExists(atPath: db) {
                _ = fm.createFile(atPath: db, contents: nil, attributes: [.posixPermissions: fileMode])
            }
            try set(directoryMode, directory.path)
            for name in ["logs", "jobs"] where fm.fileExists(atPath: directory.appendingPathComponent(name).path) {
                try set(directoryMode, directory.appendingPathComponent(name).path)
            }
            for name in ["joblet.db", "joblet.db-wal", "joblet.db-shm", "joblet.db-journal"] {
                let path = directory.appendingPathComponent(name).path
                if fm.fileExists(atPath: path) { try set(fileMode, path) }
            }
            let logs = directory.appendingPathComponent("logs")
            for name in (try? fm.contentsOfDirectory(atPath: logs.path)) ?? [] where name.hasSuffix(".log") {
                try set(fileMode, logs.appendingPathComponent(name).path)
            }
        } catch {
            throw JobletError.internal("securing the data directory \(directory.path) (0700, files 0600): \(error)")
        }
    }

    private static func set(_ mode: Int16, _ path: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}
