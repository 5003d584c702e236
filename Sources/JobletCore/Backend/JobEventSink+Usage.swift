extension JobEventSink {
    /// Keeps what the job used in total (read just before its cgroup goes), for after it ended.
    public func recordFinalUsage(_ usage: JobUsage) throws {
        try engine.store.recordFinalUsage(id: jobID, usage)
    }
}
