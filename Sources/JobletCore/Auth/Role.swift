import Foundation

/// A client's role, from its certificate's subject OU.
public enum Role: String, Sendable, Hashable, CaseIterable {
    case admin
    case viewer

    /// The strongest role among the OUs (admin over viewer), matched case-insensitively;
    /// nil when none is a role.
    public init?(organizationalUnits: [String]) {
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
