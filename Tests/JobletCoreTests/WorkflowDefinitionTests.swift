import XCTest
@testable import JobletCore

final class WorkflowDefinitionTests: XCTestCase {
    private let validator = WorkflowValidator(jobValidator: JobRequestValidator(hostCPUCount: 2, hostMemoryMB: 1024))

    private func invalid(_ yaml: String, files: [FileUpload] = [], file: StaticString = #filePath, line: UInt = #line)
        -> String
    {
        do {
            _ = try validator.validate(yaml: yaml, files: files)
            XCTFail("accepted:\n\(yaml)", file: file, line: line)
            return ""
        } catch {
            XCTAssertEqual(error.code, .invalidArgument, error.message, file: file, line: line)
            return error.message
        }
    }

    func testMapDialectWithEverySpecField() throws {
        let yaml = """
            name: etl
            description: nightly
            environment: {REGION: eu, URL: "https://${REGION}.example"}
            secret_environment: {TOKEN: t0k}
            jobs:
              extract:
                command: python3
                args: [extract.py, --fast]
                runtime: python-3.11
                network: isolated
                volumes: [cache]
                workdir: src
                uploads: {files: [extract.py], directories: [lib]}
                resources: {max_cpu: 150, max_memory: 256, max_iobps: 1000, cpu_cores: "0-1", gpu_count: 0}
                environment: {STAGE: "${REGION}-1"}
              load:
                command: "true"
                requires:
                  - extract: FINISHED
                  - extract: cancelled
            """
        let files = [FileUpload(path: "extract.py", content: Array("x".utf8)), FileUpload(path: "lib", isDirectory: true),
                     FileUpload(path: "lib/a.py"), FileUpload(path: "other.txt")]
        let def = try validator.validate(yaml: yaml, files: files)
        XCTAssertEqual(def.name, "etl")
        XCTAssertEqual(def.description, "nightly")
        XCTAssertEqual(def.jobs.map(\.name), ["extract", "load"])
        let e = def.jobs[0]
        XCTAssertEqual(e.command, "python3")
        XCTAssertEqual(e.args, ["extract.py", "--fast"])
        XCTAssertEqual([e.runtime, e.network, e.workDir], ["python-3.11", "isolated", "src"])
        XCTAssertEqual(e.volumes, ["cache"])
        XCTAssertEqual(e.limits, ResourceLimits(maxCPU: 150, cpuCores: "0-1", maxMemoryMB: 256, maxIOBPS: 1000))
        XCTAssertEqual(e.environment, ["REGION": "eu", "URL": "https://eu.example", "STAGE": "eu-1"])
        XCTAssertEqual(e.secretEnvironment, ["TOKEN": "t0k"])
        XCTAssertEqual(e.request(files: files).uploads.map(\.path), ["extract.py", "lib", "lib/a.py"])
        XCTAssertEqual(def.jobs[1].requirements, [WorkflowRequirement(job: "extract", status: .finished),
                                                  WorkflowRequirement(job: "extract", status: .canceled)])
        // Defaults from the job validator were applied.
        XCTAssertEqual(def.jobs[1].limits.maxMemoryMB, 512)
    }

    func testListDialectDependsOnMeansCompleted() throws {
        let yaml = """
            version: "1.0"
            name: "data-pipeline"
            jobs:
              - name: "extract"
                command: "python"
                args: ["extract.py"]
              - name: "transform"
                command: "python"
                depends_on: ["extract"]
              - name: "load"
                command: "python"
                depends_on: ["transform"]
            """
        let def = try validator.validate(yaml: yaml, files: [], fallbackName: "file.yaml")
        XCTAssertEqual(def.name, "data-pipeline")
        XCTAssertEqual(def.jobs.map(\.dependencies), [[], ["extract"], ["transform"]])
        XCTAssertEqual(def.jobs[2].requirements.first?.status, .completed)
        let unnamed = try validator.validate(yaml: "jobs: [{name: a, command: ls}]", files: [], fallbackName: "file.yaml")
        XCTAssertEqual(unnamed.name, "file.yaml")
    }

    func testRequiredStatusAcceptance() {
        XCTAssertTrue(RequiredStatus.finished.accepts(.canceled))
        XCTAssertTrue(RequiredStatus.finished.accepts(.failed))
        XCTAssertFalse(RequiredStatus.finished.accepts(.running))
        XCTAssertTrue(RequiredStatus.failed.accepts(.failed))
        XCTAssertFalse(RequiredStatus.completed.accepts(.failed))
        XCTAssertEqual(RequiredStatus(yamlValue: "Cancelled"), .canceled)
        XCTAssertNil(RequiredStatus(yamlValue: "DONE"))
    }

    func testValidationMessagesNameTheProblemAndWhere() {
        XCTAssertTrue(invalid("jobs:\n  a:\n    command: x\n   bad: [\n").hasPrefix("invalid workflow YAML at line 4"))
        XCTAssertEqual(invalid(""), "workflow YAML is empty: give a `jobs` section")
        XCTAssertTrue(invalid("name: x\n").hasPrefix("workflow YAML has no `jobs` section"))
        XCTAssertEqual(invalid("jobs: {}\n"), "workflow has no jobs: add at least one under `jobs`")
        XCTAssertEqual(invalid("jobs:\n  a:\n    command: x\n  b:\n    command: x\n    requires: [{c: COMPLETED}]\n"),
                       "job 'b' requires unknown job 'c' (line 6, column 17); the workflow's jobs are: a, b")
        XCTAssertEqual(invalid("jobs:\n  a:\n    command: x\n  a:\n    command: y\n"),
                       "workflow YAML has duplicate key(s) 'a' (line 4, column 3; first at line 2): each job name and each key may appear once")
        XCTAssertEqual(invalid("jobs: [{name: a, command: x}, {name: a, command: y}]"),
                       "duplicate job name 'a' (line 1, column 15): each job needs its own name")
        XCTAssertEqual(invalid("jobs:\n  a:\n    command: x\n    uploads: {files: [in.csv]}\n"),
                       "job 'a' uploads file 'in.csv' (line 4, column 23), which is not among the workflow's files; send it in workflowFiles (rnx sends paths relative to the YAML's folder)")
        XCTAssertTrue(invalid("jobs:\n  a:\n    command: x\n    uploads: {directories: [lib]}\n")
            .hasPrefix("job 'a' uploads directory 'lib' (line 4, column 29), but no workflow file lies in it"))
        XCTAssertEqual(invalid("environment: {K: a}\nsecret_environment: {K: b}\njobs: {a: {command: x}}\n"),
                       "workflow: environment variable K is in both environment and secret_environment (line 2, column 21); keep one")
        XCTAssertEqual(invalid("jobs:\n  a:\n    command: x\n    resources: {max_cpu: 500}\n"),
                       "job 'a' (line 2, column 3): maxCPU 500% exceeds this host's 2 CPUs (at most 200%)")
        XCTAssertEqual(invalid("jobs:\n  a:\n    args: [x]\n"),
                       "job 'a' (line 2, column 3): command is empty: give the program to run, e.g. `rnx run echo hello`")
        XCTAssertTrue(invalid("jobs:\n  a:\n    command: x\n    comand: y\n")
            .hasPrefix("job 'a' has an unknown key 'comand' (line 4, column 5); known keys:"))
        XCTAssertTrue(invalid("jobs:\n  a:\n    command: x\n    environment: {A: \"${NOPE}\"}\n")
            .hasPrefix("job 'a' environment A uses ${NOPE}, which is not defined"))
        XCTAssertTrue(invalid("jobs:\n  a:\n    command: x\n    resources: {max_memory: lots}\n")
            .hasPrefix("job 'a' resources.max_memory 'lots' is not a whole number (line 4, column 29)"))
        XCTAssertEqual(invalid("jobs: {a: {command: x}}", files: [FileUpload(path: "../etc/passwd")]),
                       "workflow file: upload path '../etc/passwd' contains '..' and would escape the job's workspace")
    }

    func testCyclesArePrinted() {
        XCTAssertEqual(invalid("jobs:\n  a:\n    command: x\n    requires: [{b: COMPLETED}]\n  b:\n    command: x\n    requires: [{a: COMPLETED}]\n"),
                       "workflow has a dependency cycle: a -> b -> a (line 2, column 3); a job cannot (indirectly) require itself")
        XCTAssertTrue(invalid("jobs: [{name: solo, command: x, depends_on: [solo]}]")
            .hasPrefix("workflow has a dependency cycle: solo -> solo"))
        let jobs = ["root", "x", "y", "z"].map { WorkflowJobSpec(name: $0) }
        var graph = jobs
        graph[1].requirements = [WorkflowRequirement(job: "root", status: .completed), WorkflowRequirement(job: "z", status: .completed)]
        graph[2].requirements = [WorkflowRequirement(job: "x", status: .completed)]
        graph[3].requirements = [WorkflowRequirement(job: "y", status: .failed)]
        XCTAssertEqual(WorkflowGraph(jobs: graph).cycle(), ["x", "z", "y", "x"])
        graph[1].requirements.removeLast()
        XCTAssertNil(WorkflowGraph(jobs: graph).cycle())
    }

    func testLongChainHasNoRecursionLimit() throws {
        var yaml = "jobs:\n  j0:\n    command: x\n"
        for i in 1..<5000 { yaml += "  j\(i):\n    command: x\n    requires: [{j\(i - 1): COMPLETED}]\n" }
        XCTAssertEqual(try validator.validate(yaml: yaml, files: []).jobs.count, 5000)
    }

    func testAdmissionErrorsKeepTheirKind() {
        let refusing = WorkflowValidator(jobValidator: JobRequestValidator(hostCPUCount: 2, hostMemoryMB: nil)) { request in
            if request.gpuCount > 0 { throw JobletError.failedPrecondition("no GPU backend") }
        }
        XCTAssertThrowsError(try refusing.validate(yaml: "jobs: {g: {command: x, resources: {gpu_count: 1}}}", files: [])) {
            XCTAssertEqual(($0 as? JobletError)?.code, .failedPrecondition)
            XCTAssertEqual(($0 as? JobletError)?.message, "job 'g' (line 1, column 8): no GPU backend")
        }
    }
}

extension WorkflowDefinitionTests {
    func testSecretValuesAreMaskedInTheStoredYAML() throws {
        let yaml = """
            secret_environment: {TOKEN: "t0k\\"en", OTHER: 'it''s'}
            jobs:
              a:
                command: x
                secret_environment:
                  KEY: s3cr3t-value
                  EMPTY:
                environment: {PLAIN: visible}
            """
        let def = try validator.validate(yaml: yaml, files: [])
        XCTAssertFalse(def.yaml.contains("s3cr3t"))
        XCTAssertFalse(def.yaml.contains("t0k"))
        XCTAssertFalse(def.yaml.contains("it''s"))
        XCTAssertTrue(def.yaml.contains("KEY: \"***\""))
        XCTAssertTrue(def.yaml.contains("TOKEN: \"***\""))
        XCTAssertTrue(def.yaml.contains("OTHER: '***'"))
        XCTAssertTrue(def.yaml.contains("PLAIN: visible"))
        XCTAssertEqual(def.jobs[0].secretEnvironment["KEY"], "s3cr3t-value")
        XCTAssertEqual(def.jobs[0].secretEnvironment["TOKEN"], "t0k\"en")
        // A block scalar cannot be masked in place: the YAML is withheld, never shown.
        let block = try validator.validate(yaml: "jobs:\n  a:\n    command: x\n    secret_environment:\n      K: |\n        line one\n        line two\n", files: [])
        XCTAssertEqual(block.yaml, WorkflowSecretMask.withheld)
        // What is shown back is YAML that validates again (the fuzzer found `KEY: ***`, an alias).
        XCTAssertNoThrow(try validator.validate(yaml: def.yaml, files: []))
    }

    func testPlainValuesMayNotTakeASecret() {
        XCTAssertEqual(invalid("secret_environment: {TOKEN: t}\njobs:\n  a:\n    command: x\n    environment: {URL: \"https://${TOKEN}@h\"}\n"),
                       "job 'a' environment URL uses ${TOKEN}, which is a secret (line 5, column 18); put URL in secret_environment so that its value is never shown")
    }
}
