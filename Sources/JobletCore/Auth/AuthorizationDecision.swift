/// The outcome of `RolePolicy.authorize`.
public enum AuthorizationDecision: Sendable, Hashable {
    case allowed
    /// The message for PERMISSION_DENIED.
    case denied(String)

    public var isAllowed: Bool { self == .allowed }

    /// `permissionDenied` for a denial, nil when allowed.
    public var error: JobletError? {
        if case .denied(let message) = self { return .permissionDenied(message) }
        return nil
    }
}
