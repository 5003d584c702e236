import JobletCore
import RPC

/// Authorization in one place: the caller's role comes from its client certificate's OU,
/// and the method→role table lives in JobletCore's `RolePolicy`.
public struct RoleInterceptor: ServerInterceptor {
    let policy: RolePolicy

    public init(policy: RolePolicy = RolePolicy()) {
        self.policy = policy
    }

    public func intercept(_ context: ServerContext) async throws {
        guard let peer = context.peer else {
            throw RPCError(.unauthenticated, "no verified client certificate on this connection")
        }
        switch policy.authorize(path: context.method.path, organizationalUnits: peer.organizationalUnits) {
        case .allowed:
            return
        case .denied(let message):
            throw RPCError(.permissionDenied, message)
        }
    }
}
