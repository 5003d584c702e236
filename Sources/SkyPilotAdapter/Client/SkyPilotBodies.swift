/// Request bodies. Every body carries `env_vars` naming the submitter; unknown fields are ignored
/// by the server, absent ones take its defaults.
struct LaunchBody: Encodable, Sendable {
    var task: String
    /// Required key (may be null on the wire).
    var name: String
    var envVars: [String: String]

    enum CodingKeys: String, CodingKey {
        case task, name, envVars = "env_vars"
    }
}

struct QueueBody: Encodable, Sendable {
    var jobIDs: [Int]?
    var nameMatch: String?
    var envVars: [String: String]
    var allUsers = true
    var skipFinished = false
    var refresh = false
    var fields = SkyPilotManagedJob.queueFields

    enum CodingKeys: String, CodingKey {
        case jobIDs = "job_ids", nameMatch = "name_match", envVars = "env_vars", allUsers = "all_users"
        case skipFinished = "skip_finished", refresh, fields
    }
}

/// Exactly one selector: the live server rejects `job_ids` together with `all_users`
/// ("Can only specify one of JOB_IDS, name, pool, or all/all_users").
struct CancelBody: Encodable, Sendable {
    var jobIDs: [Int]
    var envVars: [String: String]

    enum CodingKeys: String, CodingKey {
        case jobIDs = "job_ids", envVars = "env_vars"
    }
}

struct LogsBody: Encodable, Sendable {
    var jobID: Int
    var follow: Bool
    var envVars: [String: String]
    var controller = false

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", follow, envVars = "env_vars", controller
    }
}
