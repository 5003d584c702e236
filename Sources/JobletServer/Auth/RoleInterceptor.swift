import JobletCore
import RPC
import Synchronization

/// Authorization in one place: the caller's role comes from its client certificate's OU,
/// and the method→role table lives in JobletCore's `RolePolicy`. A decision depends only on
/// the method and the OUs, so it is computed once per pair and cached (one lock, short
/// critical sections; the cache is bounded by methods × distinct OU sets).
public final class RoleInterceptor: ServerInterceptor {
    let policy: RolePolicy
    private let cache = Mutex<[String: [[String]: AuthorizationDecision]]>([:])

    public init(policy: RolePolicy = RolePolicy()) {
        self.policy = policy
    }

    /// Decided when the request headers arrive (on the loop: a cached lookup), so a caller
    /// without the right is refused before any of its request is buffered.
    public func admit(_ context: ServerContext) throws(RPCError) {
        guard let peer = context.peer else {
            throw RPCError(.unauthenticated, "no verified client certificate on this connection")
        }
        let path = context.method.path
        let units = peer.organizationalUnits
        let decision: AuthorizationDecision
        if let hit = cache.withLock({ $0[path]?[units] }) {
            decision = hit
        } else {
            decision = policy.authorize(path: path, organizationalUnits: units)
            cache.withLock { c in
                if c.count < 4096 { c[path, default: [:]][units] = decision }
            }
        }
        if case .denied(let message) = decision {
            throw RPCError(.permissionDenied, message)
        }
    }
}
