/// A proto3 (open) enum: every Int32 is a valid value; ones without a case become `UNRECOGNIZED`.
public protocol ProtoEnum: Sendable, Hashable {
    init()
    init(rawValue: Int32)
    var rawValue: Int32 { get }
}
