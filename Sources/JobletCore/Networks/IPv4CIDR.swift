/// An IPv4 network in CIDR notation (`10.1.0.0/24`): parsing with messages that name the fix,
/// overlap, and the addresses a network gives its jobs. A value type.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits zero), host byte order.
    public let base: UInt32
    public let prefix: Int

    /// Networks jobs may use: the private ranges of RFC 1918.
    static let privateRanges = [IPv4CIDR(base: 0x0A00_0000, prefix: 8), IPv4CIDR(base: 0xAC10_0000, prefix: 12),
                                IPv4CIDR(base: 0xC0A8_0000, prefix: 16)]
    /// /16 down to /29: at least a gateway and a few jobs, at most 65,534 addresses.
    public static let prefixRange = 16...29

    /// Unchecked: `base` must have its host bits zero.
    public init(base: UInt32, prefix: Int) {
        self.base = base
        self.prefix = prefix
    }

    /// Parses `a.b.c.d/n`: a private (RFC 1918) network of /16 to /29 with its host bits zero.
    public init(parsing text: String) throws(JobletError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.parseAddress(String(parts[0])),
              let prefix = Int(parts[1]), parts[1].allSatisfy(\.isNumber), (0...32).contains(prefix) else {
            throw .invalidArgument("invalid CIDR '\(text)': expected an IPv4 network like 10.10.0.0/24")
        }
        guard Self.prefixRange.contains(prefix) else {
            throw .invalidArgument("CIDR '\(text)': the prefix must be /\(Self.prefixRange.lowerBound) to /\(Self.prefixRange.upperBound) (a gateway and at least 5 jobs, at most 65,534 addresses)")
        }
        let mask = Self.mask(prefix)
        guard address & ~mask == 0 else {
            throw .invalidArgument("CIDR '\(text)' has host bits set: did you mean \(Self.format(address & mask))/\(prefix)?")
        }
        self.init(base: address, prefix: prefix)
        guard Self.privateRanges.contains(where: { $0.contains(self) }) else {
            throw .invalidArgument("CIDR '\(text)' is not a private network: use one inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
        }
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix) }

    public var mask: UInt32 { Self.mask(prefix) }
    /// How many addresses the network spans (network and broadcast included).
    public var size: UInt32 { UInt32(1) << UInt32(32 - prefix) }
    /// The bridge's own address: the first host address, never given to a job.
    public var gateway: UInt32 { base + 1 }
    /// Addresses jobs may get: after the gateway, before the broadcast address.
    public var jobAddresses: ClosedRange<UInt32> { (base + 2)...(base + size - 2) }

    public func contains(_ other: IPv4CIDR) -> Bool {
        other.prefix >= prefix && other.base & mask == base
    }

    public func contains(address: UInt32) -> Bool { address & mask == base }

    public func overlaps(_ other: IPv4CIDR) -> Bool { contains(other) || other.contains(self) }

    public var description: String { "\(Self.format(base))/\(prefix)" }

    /// Dotted quad to host byte order; nil unless exactly four decimal octets.
    public static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), octet.allSatisfy(\.isNumber),
                  let n = UInt32(octet), n <= 255 else { return nil }
            value = value << 8 | n
        }
        return value
    }

    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)"
    }
}
