/// Turns a workflow's YAML and files into a `WorkflowDefinition`, or `invalidArgument` naming the
/// first problem and where it is: YAML syntax, duplicate or unknown job names, cycles (printed
/// `a -> b -> a`), upload files that were not sent, environment clashes, and everything RunJob's
/// `JobRequestValidator` would refuse (each job is checked by it, defaults applied).
/// A value type with no shared state.
public struct WorkflowValidator: Sendable {
    public var jobValidator: JobRequestValidator
    /// Extra per-job admission (the engine's backend choice); its error is prefixed with the job.
    public var admit: (@Sendable (JobRequest) throws -> Void)?

    public init(jobValidator: JobRequestValidator, admit: (@Sendable (JobRequest) throws -> Void)? = nil) {
        self.jobValidator = jobValidator
        self.admit = admit
    }

    /// `fallbackName` names the workflow when the YAML has no `name` (RunWorkflowRequest.workflow).
    public func validate(yaml: String, files: [FileUpload], fallbackName: String = "") throws(JobletError)
        -> WorkflowDefinition
    {
        let parsed = try WorkflowParser().parse(yaml)
        let map = parsed.sourceMap
        guard !parsed.jobs.isEmpty else {
            throw .invalidArgument("workflow has no jobs: add at least one under `jobs`")
        }
        // Names.
        var seen: Set<String> = []
        seen.reserveCapacity(parsed.jobs.count)
        for job in parsed.jobs {
            let where_ = WorkflowSourceMap.at(map.jobs[job.name])
            guard !job.name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalidArgument("a job has an empty name\(where_)")
            }
            guard !job.name.utf8.contains(0) else { throw .invalidArgument("job name contains a NUL byte\(where_)") }
            guard seen.insert(job.name).inserted else {
                throw .invalidArgument("duplicate job name '\(job.name)'\(where_): each job needs its own name")
            }
        }
        // Requirements name jobs that exist.
        for job in parsed.jobs {
            for (index, requirement) in job.requirements.enumerated() where !seen.contains(requirement.job) {
                let location = map.requirements[job.name].flatMap { index < $0.count ? $0[index] : nil }
                throw .invalidArgument("job '\(job.name)' requires unknown job '\(requirement.job)'\(WorkflowSourceMap.at(location)); the workflow's jobs are: \(Self.list(parsed.jobs.map(\.name)))")
            }
        }
        if let cycle = WorkflowGraph(jobs: parsed.jobs).cycle() {
            let first = map.jobs[cycle[0]]
            throw .invalidArgument("workflow has a dependency cycle: \(cycle.joined(separator: " -> "))\(WorkflowSourceMap.at(first)); a job cannot (indirectly) require itself")
        }
        // Files.
        var filePaths: Set<String> = []
        for file in files {
            do { try JobRequestValidator.checkUploadPath(file.path) } catch {
                throw .invalidArgument("workflow file: \(error.message)")
            }
            filePaths.insert(file.path)
        }
        var jobs = parsed.jobs
        for index in jobs.indices {
            let job = jobs[index]
            let uploads = map.uploads[job.name] ?? [:]
            for path in job.uploadFiles {
                guard files.contains(where: { $0.path == path && !$0.isDirectory }) else {
                    throw .invalidArgument("job '\(job.name)' uploads file '\(path)'\(WorkflowSourceMap.at(uploads[path])), which is not among the workflow's files; send it in workflowFiles (rnx sends paths relative to the YAML's folder)")
                }
            }
            for folder in job.uploadDirectories {
                let prefix = WorkflowJobSpec.folderPrefix(folder)
                guard filePaths.contains(folder) || filePaths.contains(where: { $0.hasPrefix(prefix) }) else {
                    throw .invalidArgument("job '\(job.name)' uploads directory '\(folder)'\(WorkflowSourceMap.at(uploads[folder])), but no workflow file lies in it; send its files in workflowFiles")
                }
            }
            // Everything RunJob checks, with the same messages, prefixed by the job.
            do {
                let request = try jobValidator.validate(job.request(files: []))
                try admit?(request)
                jobs[index].command = request.command
                jobs[index].limits = request.limits
            } catch {
                let message = (error as? JobletError)?.message ?? "\(error)"
                let wrapped = "job '\(job.name)'\(WorkflowSourceMap.at(map.jobs[job.name])): \(message)"
                throw (error as? JobletError).map { Self.rewrap($0, wrapped) } ?? .invalidArgument(wrapped)
            }
        }
        let name = parsed.name.isEmpty ? (fallbackName.isEmpty ? "workflow" : fallbackName) : parsed.name
        return WorkflowDefinition(name: name, description: parsed.description, jobs: jobs, yaml: parsed.maskedYAML, files: files)
    }

    /// The same kind of error (INVALID_ARGUMENT, FAILED_PRECONDITION, …) with a new message.
    private static func rewrap(_ error: JobletError, _ message: String) -> JobletError {
        switch error.code {
        case .failedPrecondition: return .failedPrecondition(message)
        case .unavailable: return .unavailable(message)
        case .notFound: return .notFound(message)
        default: return .invalidArgument(message)
        }
    }

    private static func list(_ names: [String]) -> String {
        names.count <= 10 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + ", … (\(names.count) in all)"
    }
}
