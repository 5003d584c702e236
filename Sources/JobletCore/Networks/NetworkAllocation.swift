/// A job's address on a network, stored until the job ends.
public struct NetworkAllocation: Sendable, Equatable {
    public var network: String
    public var address: UInt32
    public var jobID: String
    /// The job's name (may be empty): what peers find it by in their /etc/hosts.
    public var jobName: String

    public init(network: String, address: UInt32, jobID: String, jobName: String) {
        self.network = network
        self.address = address
        self.jobID = jobID
        self.jobName = jobName
    }

    /// The lowest address of `cidr` that jobs may get and `taken` lacks; nil when full.
    public static func firstFree(in cidr: IPv4CIDR, taken: Set<UInt32>) -> UInt32? {
        var candidate = cidr.jobAddresses.lowerBound
        while candidate <= cidr.jobAddresses.upperBound {
            if !taken.contains(candidate) { return candidate }
            candidate += 1
        }
        return nil
    }
}
