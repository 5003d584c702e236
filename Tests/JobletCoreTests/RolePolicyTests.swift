import XCTest
@testable import JobletCore

final class RolePolicyTests: XCTestCase {
    private let policy = RolePolicy()

    func testRoleFromOrganizationalUnits() {
        XCTAssertEqual(Role(organizationalUnits: ["admin"]), .admin)
        XCTAssertEqual(Role(organizationalUnits: ["Viewer"]), .viewer)
        XCTAssertEqual(Role(organizationalUnits: ["viewer", "admin"]), .admin)
        XCTAssertNil(Role(organizationalUnits: ["ops"]))
        XCTAssertNil(Role(organizationalUnits: []))
    }

    func testAdminMayCallEverything() {
        for path in ["/joblet.JobService/RunJob", "/joblet.JobService/DeleteAllJobs", "/joblet.RuntimeService/RemoveRuntime",
                     "/grpc.testing.TestService/UnaryCall", "/joblet.JobService/ListJobs"] {
            XCTAssertEqual(policy.authorize(path: path, organizationalUnits: ["admin"]), .allowed, path)
        }
    }

    func testViewerMayCallOnlyReads() {
        let reads = [
            "/joblet.JobService/GetJobStatus", "/joblet.JobService/ListJobs", "/joblet.JobService/GetJobLogs",
            "/joblet.JobService/GetWorkflowStatus", "/joblet.JobService/ListWorkflows", "/joblet.JobService/GetWorkflowJobs",
            "/joblet.NetworkService/ListNetworks", "/joblet.VolumeService/ListVolumes",
            "/joblet.MonitoringService/GetSystemStatus", "/joblet.MonitoringService/StreamSystemMetrics",
            "/joblet.RuntimeService/ListRuntimes", "/joblet.RuntimeService/GetRuntimeInfo",
            "/joblet.RuntimeService/ValidateRuntimeSpec", "/joblet.JobletService/GetJobStatus",
            "/joblet.JobletService/ListJobs", "/joblet.JobletService/GetJobLogs", "/grpc.health.v1.Health/Check",
            "/grpc.health.v1.Health/Watch", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        ]
        for path in reads {
            XCTAssertEqual(policy.authorize(path: path, organizationalUnits: ["viewer"]), .allowed, path)
        }
        let writes = [
            "/joblet.JobService/RunJob", "/joblet.JobService/StopJob", "/joblet.JobService/CancelJob",
            "/joblet.JobService/DeleteJob", "/joblet.JobService/DeleteAllJobs", "/joblet.JobService/RunWorkflow",
            "/joblet.NetworkService/CreateNetwork", "/joblet.NetworkService/RemoveNetwork",
            "/joblet.VolumeService/CreateVolume", "/joblet.VolumeService/RemoveVolume",
            "/joblet.RuntimeService/TestRuntime", "/joblet.RuntimeService/InstallRuntimeFromGithub",
            "/joblet.RuntimeService/StreamingInstallRuntimeFromLocal", "/joblet.RuntimeService/RemoveRuntime",
            "/joblet.JobletService/RunJob", "/grpc.testing.TestService/UnaryCall",
        ]
        for path in writes {
            XCTAssertFalse(policy.authorize(path: path, organizationalUnits: ["viewer"]).isAllowed, path)
        }
        XCTAssertEqual(policy.authorize(path: "/joblet.JobService/RunJob", organizationalUnits: ["viewer"]),
                       .denied("role viewer is not allowed to perform operation run_job"))
        XCTAssertEqual(policy.authorize(path: "/joblet.JobService/RunJob", organizationalUnits: ["viewer"]).error?.code,
                       .permissionDenied)
    }

    func testNoRoleGetsOnlyHealth() {
        for units in [[], ["ops"], ["guests", "dev"]] {
            XCTAssertEqual(policy.authorize(path: "/grpc.health.v1.Health/Check", organizationalUnits: units), .allowed)
            for path in ["/joblet.JobService/ListJobs", "/joblet.JobService/RunJob",
                         "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] {
                let decision = policy.authorize(path: path, organizationalUnits: units)
                guard case .denied(let message) = decision else { return XCTFail("\(path) allowed for \(units)") }
                XCTAssertTrue(message.contains("no role"), message)
            }
        }
    }

    func testOperationNames() {
        XCTAssertEqual(RolePolicy.operationName("RunJob"), "run_job")
        XCTAssertEqual(RolePolicy.operationName("GetJobStatus"), "get_job_status")
        XCTAssertEqual(RolePolicy.operationName("InstallRuntimeFromGithub"), "install_runtime_from_github")
        XCTAssertEqual(RolePolicy.operationName("ServerReflectionInfo"), "server_reflection_info")
    }
}
