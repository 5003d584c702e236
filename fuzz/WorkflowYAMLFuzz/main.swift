// libFuzzer target for the workflow YAML reader: Yams (with its C parser, libyaml), WorkflowParser
// and WorkflowValidator, exactly as RunWorkflow calls them. The input is the YAML text (invalid
// UTF-8 repaired as String(decoding:) does, as the server's proto decoding would refuse it).
// Oracle: no trap, hang or sanitizer report; a refusal is a JobletError with a non-empty message;
// an accepted document validates again to the identical definition, its job names are unique,
// every requirement names one of its jobs, and its requirement graph has no cycle.
// Build and run with fuzz/run-workflow-yaml-fuzz.sh.
import JobletCore

/// The files a workflow's `uploads` may name (RunWorkflowRequest.workflowFiles).
private let files = [FileUpload(path: "data.txt", content: Array("1 2 3\n".utf8)),
                     FileUpload(path: "scripts/run.sh", content: Array("echo hi\n".utf8), mode: 0o755),
                     FileUpload(path: "scripts", isDirectory: true)]
private let validator = WorkflowValidator(jobValidator: JobRequestValidator(hostCPUCount: 2, hostMemoryMB: 1024))

private func outcome(_ yaml: String) -> Result<WorkflowDefinition, JobletError> {
    do { return .success(try validator.validate(yaml: yaml, files: files, fallbackName: "fuzz.yaml")) } catch {
        return .failure(error)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func workflowYAMLFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch outcome(yaml) {
    case .failure(let error):
        precondition(!error.message.isEmpty, "a refusal without a message: \(error)")
    case .success(let definition):
        precondition(!definition.jobs.isEmpty, "accepted a workflow without jobs")
        let names = definition.jobs.map(\.name)
        precondition(Set(names).count == names.count, "accepted duplicate job names: \(names)")
        for job in definition.jobs {
            for requirement in job.requirements {
                precondition(names.contains(requirement.job), "job '\(job.name)' requires unknown '\(requirement.job)'")
            }
        }
        precondition(WorkflowGraph(jobs: definition.jobs).cycle() == nil, "accepted a cycle")
        guard case .success(let again) = outcome(yaml) else { preconditionFailure("accepted once, refused the second time") }
        precondition(again == definition, "the same YAML validated to two different definitions")
    }
    return 0
}
