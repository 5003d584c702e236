import Foundation
import GRDB

/// One page of jobs, oldest first, and where the next page starts.
public struct JobPage: Sendable {
    public var jobs: [Job]
    /// nil on the last page.
    public var next: JobPageCursor?
    /// Jobs matching the filter over all pages.
    public var total: Int
}

/// Where a page ends: the last job's creation time and row, so the next page is a seek on the
/// (created_at, rowid) index, not an offset counted from the start. The token a client holds is
/// this, base64url-encoded; it stays valid when jobs before or after it are added or deleted.
public struct JobPageCursor: Sendable, Equatable {
    var createdAt: String
    var rowID: Int64

    static let version = "j1"

    public var token: String {
        Data("\(Self.version)\n\(createdAt)\n\(rowID)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// nil when `token` is not one this server gave out.
    public init?(token: String) {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard token.utf8.count <= 200, let data = Data(base64Encoded: b64),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version, !parts[1].isEmpty, let row = Int64(parts[2]) else { return nil }
        createdAt = String(parts[1])
        rowID = row
    }

    init(createdAt: String, rowID: Int64) {
        self.createdAt = createdAt
        self.rowID = rowID
    }
}

extension JobStore {
    public static let defaultPageSize = 500
    public static let maxPageSize = 5_000

    /// Up to `limit` jobs after `cursor` (from the start when nil), oldest first, in one of
    /// `statuses` (every status when empty).
    public func page(after cursor: JobPageCursor?, limit: Int, statuses: Set<JobStatus> = []) throws -> JobPage {
        let limit = min(max(1, limit), Self.maxPageSize)
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if !statuses.isEmpty {
            let values = statuses.map(\.rawValue).sorted()
            conditions.append("status IN (\(databaseQuestionMarks(count: values.count)))")
            arguments += StatementArguments(values)
        }
        let filter = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        var seek = filter
        var seekArguments = arguments
        if let cursor {
            seek += " AND (created_at, rowid) > (?, ?)"
            seekArguments += [cursor.createdAt, cursor.rowID]
        }
        return try read("listing a page of jobs") { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT rowid AS page_rowid, * FROM job WHERE \(seek) ORDER BY created_at, rowid LIMIT ?",
                arguments: seekArguments + [limit + 1])
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE \(filter)", arguments: arguments) ?? 0
            let kept = rows.prefix(limit)
            let next = rows.count > limit ? kept.last.map { JobPageCursor(createdAt: $0["created_at"], rowID: $0["page_rowid"]) } : nil
            return JobPage(jobs: try kept.map(JobColumns.job(from:)), next: next, total: total)
        }
    }
}
