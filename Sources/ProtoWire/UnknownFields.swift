/// Fields a message did not recognise, as their exact bytes (key and value), in arrival order.
/// Re-emitted verbatim after the known fields, so a newer peer's data survives a round trip.
public struct UnknownFields: Sendable, Hashable {
    public var bytes: [UInt8]

    public init() { bytes = [] }
    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }
}
