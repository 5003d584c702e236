import Foundation
import JobletCore
import XCTest
@testable import SkyPilotAdapter

/// Training (issue 19): any job with an infra goes to SkyPilot, provider names map onto
/// SkyPilot's, and known launch errors get a hint.
final class TrainingRoutingTests: XCTestCase {
    func testProviderMapping() {
        XCTAssertEqual(InfraRoute(infra: "runpod"), .skyPilot("runpod"))
        XCTAssertEqual(InfraRoute(infra: "lambda"), .skyPilot("lambda"))
        XCTAssertEqual(InfraRoute(infra: "vastai"), .skyPilot("vast"))
        XCTAssertEqual(InfraRoute(infra: "VastAI/us-west"), .skyPilot("vast/us-west"))
        XCTAssertEqual(InfraRoute(infra: "local"), .local)
        XCTAssertEqual(InfraRoute(infra: ""), .local)
        XCTAssertEqual(InfraRoute(infra: "gcp/us-central1"), .skyPilot("gcp/us-central1"))
        XCTAssertEqual(InfraRoute(infra: "kubernetes"), .skyPilot("k8s"))
        XCTAssertEqual(InfraRoute(infra: "aws/us-east-1").provider, "aws")
        XCTAssertEqual(InfraRoute(infra: "local").provider, "local")
    }

    func testCPUJobWithInfraGoesToSkyPilotWithItsTask() throws {
        let backend = SkyPilotBackend(configuration: SkyPilotConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!))
        addTeardownBlock { await backend.shutdown() }
        let cpu = JobRequest(command: "python3", args: ["etl.py"], limits: ResourceLimits(maxCPU: 200, maxMemoryMB: 4096), infra: "k8s")
        XCTAssertNil(backend.canRun(cpu))
        XCTAssertTrue(backend.isMeant(for: cpu))
        XCTAssertNotNil(backend.canRun(JobRequest(command: "x")), "no GPUs and no infra: not SkyPilot's")
        XCTAssertNotNil(backend.canRun(JobRequest(command: "x", gpuCount: 1, infra: "local")), "local means this host")
        let task = try SkyPilotTaskBuilder().task(for: cpu, name: "job-1")
        XCTAssertEqual(task.yaml, """
            name: "job-1"
            resources:
              cpus: 2+
              memory: 4+
              infra: "k8s"
            run: |
              python3 etl.py

            """)
        let vast = try SkyPilotTaskBuilder().task(for: JobRequest(command: "x", gpuCount: 1, infra: "vastai"), name: "j")
        XCTAssertTrue(vast.yaml.contains("infra: \"vast\""), vast.yaml)
        XCTAssertTrue(vast.yaml.contains("accelerators: H100:1"), vast.yaml)
    }

    func testEachKnownErrorGetsItsHint() {
        let cases: [(String, String)] = [
            ("NoCloudAccessError: Cloud access is not set up. Run: sky check", "run 'sky check'"),
            ("No cloud access. Please run `sky check`", "run 'sky check'"),
            ("botocore.exceptions.NoCredentialsError: Credentials not found", "credentials are not configured"),
            ("ResourcesUnavailableError: Failed to provision all possible launchable resources.", "could not allocate"),
            ("FAILED_NO_RESOURCE: Max attempts reached", "could not allocate"),
            ("ValueError: Catalog does not contain any instances satisfying the request: H300:8", "catalog"),
            ("QuotaExceeded: Quota 'NVIDIA_H100_GPUS' exceeded. Limit: 0.0 in region us-central1", "quota"),
        ]
        for (text, expected) in cases {
            let hint = SkyPilotErrorHint.hint(for: text)
            XCTAssertTrue(hint?.contains(expected) == true, "\(text) → \(hint ?? "nil")")
        }
        XCTAssertNil(SkyPilotErrorHint.hint(for: "Setup failed with return code 1. No matching distribution found for torch==9.9"))
        XCTAssertEqual(SkyPilotErrorHint.annotate("boom"), "boom")
        XCTAssertTrue(SkyPilotErrorHint.annotate("Credentials not found").hasSuffix(")"))
    }

    func testArtifactStoreIsMountedIntoTheTask() throws {
        var builder = SkyPilotTaskBuilder()
        builder.artifactStore = try ArtifactStoreURL.check("s3://team-bucket/runs/")
        let task = try builder.task(for: JobRequest(command: "python3", args: ["train.py"], environment: ["A": "1"], gpuCount: 1),
                                    name: "job-9")
        XCTAssertTrue(task.yaml.contains("""
            file_mounts:
              /joblet-artifacts:
                source: "s3://team-bucket/runs/job-9"
                mode: MOUNT
            envs:
              A: "1"
              JOBLET_ARTIFACT_DIR: "/joblet-artifacts"
            """), task.yaml)
        for bad in ["bucket", "ftp://x/y", "s3://", "s3:///x", "s3://a b"] {
            XCTAssertThrowsError(try ArtifactStoreURL.check(bad), bad)
        }
        XCTAssertEqual(try ArtifactStoreURL.check("gs://b"), "gs://b")
    }
}
