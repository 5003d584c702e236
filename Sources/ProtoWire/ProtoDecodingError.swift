/// Why bytes could not be decoded as a message. Decoding never traps on bad input; it throws this.
public struct ProtoDecodingError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        case truncatedVarint = "truncated varint"
        case varintTooLong = "varint longer than 10 bytes"
        case truncated = "field runs past the end of the message"
        case lengthPastEnd = "length prefix runs past the end of the message"
        case invalidWireType = "invalid wire type"
        case groupsUnsupported = "groups (wire types 3 and 4) are not supported"
        case invalidFieldNumber = "invalid field number"
        case invalidUTF8 = "string field is not valid UTF-8"
        case nestingTooDeep = "messages nested too deeply"
        case invalidPackedLength = "packed fixed-width field length is not a multiple of the element size"
    }

    public let reason: Reason
    /// Byte offset in the innermost buffer being read when the error was found.
    public let offset: Int

    public init(_ reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "protobuf decoding failed: \(reason.rawValue) at byte \(offset)" }
}
