import Foundation
import JobletCore
import RPC

/// Registry work (bridges, nft, mkfs, mounts) blocks: it runs on a Dispatch thread, not on the
/// cooperative pool that also runs RPC handlers. Errors that are not a `JobletError` are INTERNAL,
/// naming what was being done.
enum BlockingCall {
    static func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await JobService.translating {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result {
                        do { return try body() } catch let e as JobletError { throw e } catch {
                            throw JobletError.internal("\(what): \(error)")
                        }
                    })
                }
            }
        }
    }
}
