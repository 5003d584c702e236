import JobletAPI
import ProtoWire
import XCTest

final class RegistryTests: XCTestCase {
    func testFilesCarryProtocDescriptors() throws {
        let names = JobletAPIRegistry.files.map(\.name)
        XCTAssertEqual(Set(names), [
            "joblet.proto", "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
            "grpc/reflection/v1alpha/reflection.proto", "grpc/testing/empty.proto",
            "grpc/testing/messages.proto", "grpc/testing/test.proto",
        ])
        for file in JobletAPIRegistry.files {
            // FileDescriptorProto.name (1) and package (2) read back from the stored bytes.
            var name = "", package = ""
            try file.serialized.withUnsafeBytes { raw in
                var r = ProtoReader(raw)
                while let tag = try r.nextTag() {
                    switch tag.rawValue {
                    case 10: name = try r.readString()
                    case 18: package = try r.readString()
                    default: try r.skipField(tag)
                    }
                }
            }
            XCTAssertEqual(name, file.name)
            XCTAssertEqual(package, file.package)
        }
        let test = JobletAPIRegistry.files.first { $0.name == "grpc/testing/test.proto" }
        XCTAssertEqual(test?.dependencies, ["grpc/testing/empty.proto", "grpc/testing/messages.proto"])
    }

    func testSymbols() {
        let symbols = Set(JobletAPIRegistry.files.flatMap(\.symbols))
        for s in ["joblet.Job", "joblet.JobService", "joblet.JobService.RunJob", "joblet.JobletService.RunJob",
                  "joblet.Timestamp", "grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc.health.v1.Health.Watch",
                  "grpc.testing.PayloadType", "grpc.testing.TestService.FullDuplexCall",
                  "grpc.reflection.v1.ServerReflection.ServerReflectionInfo"] {
            XCTAssert(symbols.contains(s), s)
        }
    }

    func testServicesAndMethods() {
        let services = Dictionary(uniqueKeysWithValues: JobletAPIRegistry.services.map { ($0.name, $0) })
        XCTAssertEqual(Set(services.keys), [
            "joblet.JobService", "joblet.NetworkService", "joblet.VolumeService", "joblet.MonitoringService",
            "joblet.RuntimeService", "joblet.JobletService", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
            "grpc.testing.TestService", "grpc.testing.UnimplementedService",
        ])
        XCTAssertEqual(services["joblet.JobService"]?.methods.count, 20)  // 12 upstream + StopWorkflow (workflows) + ListJobsPage (paging) + 6 (training)
        XCTAssertEqual(services["joblet.RuntimeService"]?.methods.count, 9)
        XCTAssertEqual(services["grpc.testing.TestService"]?.methods.count, 8)

        let run = Joblet_JobService.Method.runJob
        XCTAssertEqual(run.path, "/joblet.JobService/RunJob")
        XCTAssertEqual(run.inputType, "joblet.RunJobRequest")
        XCTAssertEqual(run.outputType, "joblet.RunJobResponse")
        XCTAssertFalse(run.clientStreaming || run.serverStreaming)
        XCTAssertTrue(Joblet_JobService.Method.getJobLogs.serverStreaming)
        XCTAssertEqual(Joblet_JobletService.Method.runJob.inputType, "joblet.RunJobReq")
        let info = Grpc_Reflection_V1_ServerReflection.Method.serverReflectionInfo
        XCTAssertTrue(info.clientStreaming && info.serverStreaming)
        XCTAssertTrue(Grpc_Testing_TestService.Method.streamingInputCall.clientStreaming)
        XCTAssertFalse(Grpc_Testing_TestService.Method.streamingInputCall.serverStreaming)
        XCTAssertEqual(Grpc_Health_V1_Health.descriptor.methods.map(\.method), ["Check", "Watch"])
    }

    func testMessageTypesByName() {
        XCTAssertEqual(JobletAPIRegistry.messageTypes.count, 128)  // 107 upstream + StopWorkflowRequest/Response (workflows) + the job metrics messages (monitoring) + ListJobsPageRequest/JobsPage (paging) + 15 (training)
        XCTAssert(JobletAPIRegistry.messageTypes["joblet.RunJobRes"] == Joblet_RunJobRes.self)
        XCTAssert(JobletAPIRegistry.messageTypes["grpc.health.v1.HealthCheckResponse"] == Grpc_Health_V1_HealthCheckResponse.self)
        for (name, type) in JobletAPIRegistry.messageTypes { XCTAssertEqual(type.protoMessageName, name) }
    }
}
