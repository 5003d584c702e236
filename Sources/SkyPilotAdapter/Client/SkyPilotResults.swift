/// `return_value` of `/jobs/queue/v2`, once decoded.
struct SkyPilotQueueResult: Decodable {
    var jobs: [SkyPilotManagedJob]
    var total: Int?
}

/// `return_value` of `/jobs/launch`: `{"job_id":[2],"handle":"<pickle>"}`.
struct SkyPilotLaunchResult: Decodable {
    /// A list in 0.14 (one id per task group); older servers sent one int.
    var jobIDs: [Int]

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let list = try? container.decode([Int].self, forKey: .jobID) {
            jobIDs = list
        } else if let one = try? container.decode(Int.self, forKey: .jobID) {
            jobIDs = [one]
        } else {
            jobIDs = []
        }
    }
}
