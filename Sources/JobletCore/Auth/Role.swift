import Foundation

/// A client's role, from its certificate's subject OU.
public enum Role: String, Sendable, Hashable, CaseIterable {
    case admin
    case viewer

    /// The strongest role among the OUs (admin over viewer), matched case-insensitively;
    /// nil when none is a role.
    public init?(organizationalUnits: [String]) {
        // The usual certificate says exactly "admin" or "viewer": decided without Foundation's
        // trimming and case folding, which cost more than the rest of the check on every call.
        if organizationalUnits.contains(Role.admin.rawValue) { self = .admin; return }
        if organizationalUnits.count == 1, organizationalUnits[0] == Role.viewer.rawValue { self = .viewer; return }
        let units = Set(organizationalUnits.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        if units.contains(Role.admin.rawValue) {
            self = .admin
        } else if units.contains(Role.viewer.rawValue) {
            self = .viewer
        } else {
            return nil
        }
    }
}
