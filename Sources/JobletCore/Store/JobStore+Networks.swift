import Foundation
import GRDB

/// Networks, the addresses of the jobs on them, and volumes (issue 15). Built-in networks have no
/// row; their jobs' addresses do.
extension JobStore {
    static let networksV1 = """
        CREATE TABLE network (
            name TEXT PRIMARY KEY NOT NULL,
            cidr TEXT NOT NULL,
            bridge TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE network_allocation (
            network TEXT NOT NULL,
            address INTEGER NOT NULL,          -- IPv4, host byte order
            job_id TEXT NOT NULL UNIQUE,
            job_name TEXT NOT NULL,
            PRIMARY KEY (network, address)
        );
        CREATE TABLE volume (
            name TEXT PRIMARY KEY NOT NULL,
            type TEXT NOT NULL,                -- filesystem or memory
            size_bytes INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        """

    /// Custom networks as stored: name, CIDR text, bridge.
    func customNetworks() throws -> [(name: String, cidr: String, bridge: String)] {
        try read("listing networks") { db in
            try Row.fetchAll(db, sql: "SELECT name, cidr, bridge FROM network ORDER BY created_at, name").map {
                (name: $0["name"], cidr: $0["cidr"], bridge: $0["bridge"])
            }
        }
    }

    func insertNetwork(name: String, cidr: String, bridge: String) throws {
        try write("storing network \(name)") { db in
            try db.execute(sql: "INSERT INTO network (name, cidr, bridge, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, cidr, bridge, RFC3339.format(Date())])
        }
    }

    func deleteNetwork(name: String) throws {
        try write("removing network \(name)") { db in
            try db.execute(sql: "DELETE FROM network WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM network_allocation WHERE network = ?", arguments: [name])
        }
    }

    /// Stores the lowest free job address of `cidr` (not in `excluding`) for the job, in one
    /// transaction; nil when full.
    func allocateAddress(network: String, cidr: IPv4CIDR, jobID: String, jobName: String,
                         excluding: Set<UInt32> = []) throws -> UInt32? {
        try write("allocating an address on network \(network)") { db in
            try db.execute(sql: "DELETE FROM network_allocation WHERE job_id = ?", arguments: [jobID])
            let taken = excluding.union(try Int64.fetchAll(db, sql: "SELECT address FROM network_allocation WHERE network = ?",
                                                           arguments: [network]).map { UInt32(truncatingIfNeeded: $0) })
            guard let address = NetworkAllocation.firstFree(in: cidr, taken: taken) else { return nil }
            try db.execute(sql: "INSERT INTO network_allocation (network, address, job_id, job_name) VALUES (?, ?, ?, ?)",
                           arguments: [network, Int64(address), jobID, jobName])
            return address
        }
    }

    func allocationCount(network: String) throws -> Int {
        try read("counting network addresses") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM network_allocation WHERE network = ?", arguments: [network]) ?? 0
        }
    }

    func allocation(jobID: String) throws -> NetworkAllocation? {
        try read("reading the address of job \(jobID)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM network_allocation WHERE job_id = ?", arguments: [jobID]).map {
                NetworkAllocation(network: $0["network"], address: UInt32(truncatingIfNeeded: $0["address"] as Int64),
                                  jobID: $0["job_id"], jobName: $0["job_name"])
            }
        }
    }

    func releaseAddress(jobID: String) throws {
        try write("releasing the address of job \(jobID)") { db in
            try db.execute(sql: "DELETE FROM network_allocation WHERE job_id = ?", arguments: [jobID])
        }
    }

    /// Addresses held, on one network or on all.
    func allocations(network: String? = nil) throws -> [NetworkAllocation] {
        try read("listing network addresses") { db in
            let rows = network == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM network_allocation ORDER BY address")
                : try Row.fetchAll(db, sql: "SELECT * FROM network_allocation WHERE network = ? ORDER BY address", arguments: [network])
            return rows.map { NetworkAllocation(network: $0["network"], address: UInt32(truncatingIfNeeded: $0["address"] as Int64),
                                                jobID: $0["job_id"], jobName: $0["job_name"]) }
        }
    }

    /// Drops the addresses of jobs that are final or gone (a restart, a crash between exit and release).
    func releaseAddressesOfEndedJobs() throws {
        let final = JobStatus.allCases.filter(\.isFinal).map(\.rawValue)
        try write("releasing addresses of ended jobs") { db in
            try db.execute(sql: """
                DELETE FROM network_allocation WHERE job_id NOT IN (SELECT id FROM job)
                   OR job_id IN (SELECT id FROM job WHERE status IN (\(databaseQuestionMarks(count: final.count))))
                """, arguments: StatementArguments(final))
        }
    }

    // MARK: volumes

    func volumes() throws -> [Volume] {
        try read("listing volumes") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM volume ORDER BY created_at, name").compactMap { row in
                guard let type = Volume.Kind(rawValue: row["type"]) else { return nil }
                return Volume(name: row["name"], kind: type, sizeBytes: row["size_bytes"],
                              createdAt: RFC3339.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }

    func insertVolume(_ v: Volume) throws {
        try write("storing volume \(v.name)") { db in
            try db.execute(sql: "INSERT INTO volume (name, type, size_bytes, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [v.name, v.kind.rawValue, v.sizeBytes, RFC3339.format(v.createdAt)])
        }
    }

    func deleteVolume(name: String) throws {
        try write("removing volume \(name)") { db in
            try db.execute(sql: "DELETE FROM volume WHERE name = ?", arguments: [name])
        }
    }
}
