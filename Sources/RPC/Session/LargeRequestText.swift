import Foundation
import ProtoWire

/// The words of the errors a too-large request gets: the limit, the method, and the key to change.
enum LargeRequestText {
    static func tooLarge(length: UInt64, limit: RequestSizeLimit, method: MethodDescriptor) -> String {
        var text = "received message larger than max (\(length) vs. \(limit.bytes)): \(method.path) accepts "
            + "request messages up to \(mebibytes(limit.bytes))"
        if let setting = limit.setting { text += "; raise \(setting) in the server's configuration to allow more" }
        return text
    }

    static func budgetExhausted(announced: Int, budget: RequestMemoryBudget) -> String {
        "server is busy with large requests: a \(mebibytes(announced)) message does not fit in the "
            + "\(mebibytes(budget.capacity)) held for uploads in flight (\(mebibytes(budget.inUse)) in use); "
            + "retry later or raise \(budget.setting)"
    }

    static func mebibytes(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}
