/// A parsed, validated workflow: what RunWorkflow stores in one transaction.
public struct WorkflowDefinition: Sendable, Hashable {
    /// The workflow's name: the YAML's `name`, else the name the client gave (its file name).
    public var name: String
    public var description: String
    /// In the order the YAML lists them.
    public var jobs: [WorkflowJobSpec]
    /// The YAML as sent, secret_environment values masked (`***`), kept for GetWorkflowStatus.
    public var yaml: String
    /// Every file the client sent; jobs pick theirs by path.
    public var files: [FileUpload]

    public init(name: String, description: String = "", jobs: [WorkflowJobSpec], yaml: String,
                files: [FileUpload] = []) {
        self.name = name
        self.description = description
        self.jobs = jobs
        self.yaml = yaml
        self.files = files
    }
}
