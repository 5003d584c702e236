import Foundation

extension LogStore {
    /// What jobletd itself writes into a job's log, so that every client reading logs (the SDK,
    /// rnx, a dashboard) sees why a job failed without knowing our extension fields.
    public static let serverNotePrefix = "[jobletd] "

    /// Appends one line from jobletd to the job's log, starting a new line if the job's output
    /// did not end with one. Called before the log is closed, so followers see it.
    public func appendServerNote(_ id: String, _ text: String) throws {
        var line = Self.serverNotePrefix + text.split(whereSeparator: \.isNewline).joined(separator: " ") + "\n"
        if let file = try LogFile.openForReading(fileURL(for: id).path) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: fileURL(for: id).path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            if size > 0, try file.read(at: size - 1, count: 1) != [0x0A] { line = "\n" + line }
        }
        try append(id, Array(line.utf8))
    }
}
