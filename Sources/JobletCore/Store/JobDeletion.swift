/// What `deleteAllFinal` did.
public struct JobDeletion: Sendable, Hashable {
    public var deletedIDs: [String]
    public var skipped: Int
    public var deleted: Int { deletedIDs.count }
}
