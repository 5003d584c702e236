/// The status codes JobletCore's errors map to; the server turns them into gRPC status codes.
/// Defined here so that the domain needs no gRPC module.
public enum JobletErrorCode: String, Sendable, Hashable, CaseIterable {
    case invalidArgument
    case notFound
    case failedPrecondition
    case alreadyExists
    case permissionDenied
    case resourceExhausted
    case unavailable
    case `internal`
    case unimplemented
}
