import Foundation
import JobletAPI
import ProtoWire
import XCTest

/// Values, not just bytes: a message built field by field in Swift must encode exactly as
/// protoc (C++) encodes the same message written in text format.
final class ProtocEncodeTests: XCTestCase {
    private func protocEncode(_ type: String, _ text: String, file: String = "joblet.proto") throws -> [UInt8] {
        guard let protoc = which("protoc") else { throw XCTSkip("protoc not installed") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("encode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.bin")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let r = try runProcess("/bin/sh", ["-c", "'\(protoc)' -I Protos --encode=\(type) \(file) < '\(input.path)' > '\(output.path)'"],
                        cwd: packageRoot)
        XCTAssertEqual(r.status, 0, r.output)
        return [UInt8](try Data(contentsOf: output))
    }

    func testJobMatchesProtoc() throws {
        var j = Joblet_Job()
        j.uuid = "f47ac10b"; j.name = "日本語 ✓"; j.args = ["-c", "", "echo 😀"]
        j.maxCPU = -1; j.maxMemory = .max; j.maxIOBPS = .min; j.exitCode = 137
        j.environment = ["PATH": "/bin"]; j.secretEnvironment = ["": "s"]
        j.gpuIndices = [0, 7, -2]; j.gpuCount = 2; j.nodeId = "n1"; j.reason = "OOM killed"
        let text = """
            uuid: "f47ac10b" name: "日本語 ✓" args: "-c" args: "" args: "echo 😀"
            maxCPU: -1 maxMemory: 2147483647 maxIOBPS: -2147483648 exitCode: 137
            environment { key: "PATH" value: "/bin" } secret_environment { key: "" value: "s" }
            gpu_indices: [0, 7, -2] gpu_count: 2 nodeId: "n1" reason: "OOM killed"
            """
        let expected = try protocEncode("joblet.Job", text)
        XCTAssertEqual(hex(j.serializedBytes()), hex(expected))
        XCTAssertEqual(try Joblet_Job(serializedBytes: expected), j)
    }

    func testMetricsMatchProtoc() throws {
        var s = Joblet_SystemStatusRes()
        s.available = true
        var cpu = Joblet_CPUMetrics(); cpu.cores = 16; cpu.usagePercent = 0.1; cpu.loadAverage = [1.5, -0.0, 1e300]
        s.cpu = cpu
        var mem = Joblet_MemoryMetrics(); mem.totalBytes = .min; mem.swapFree = .max
        s.memory = mem
        var disk = Joblet_DiskMetrics(); disk.device = "nvme0n1"; disk.inodesUsagePercent = -2.25
        s.disks = [disk, Joblet_DiskMetrics()]
        var proc = Joblet_ProcessMetrics(); var p = Joblet_ProcessInfo(); p.pid = 1; p.ppid = -1; p.cpuPercent = 99.5
        proc.topByMemory = [p]
        s.processes = proc
        var cloud = Joblet_CloudInfo(); cloud.metadata = ["k": "v"]
        s.cloud = cloud
        let text = """
            available: true
            cpu { cores: 16 usagePercent: 0.1 loadAverage: [1.5, -0.0, 1e300] }
            memory { totalBytes: -9223372036854775808 swapFree: 9223372036854775807 }
            disks { device: "nvme0n1" inodesUsagePercent: -2.25 } disks { }
            processes { topByMemory { pid: 1 ppid: -1 cpuPercent: 99.5 } }
            cloud { metadata { key: "k" value: "v" } }
            """
        let expected = try protocEncode("joblet.SystemStatusRes", text)
        XCTAssertEqual(hex(s.serializedBytes()), hex(expected))
        XCTAssertEqual(try Joblet_SystemStatusRes(serializedBytes: expected), s)
    }

    func testInteropAndReflectionMatchProtoc() throws {
        var req = Grpc_Testing_SimpleRequest()
        req.responseSize = 314159; req.fillUsername = true
        var payload = Grpc_Testing_Payload(); payload.body = [0, 0, 0]
        req.payload = payload
        var compressed = Grpc_Testing_BoolValue(); compressed.value = false
        req.responseCompressed = compressed
        var status = Grpc_Testing_EchoStatus(); status.code = 2; status.message = "boom"
        req.responseStatus = status
        XCTAssertEqual(hex(req.serializedBytes()), hex(try protocEncode("grpc.testing.SimpleRequest", """
            response_size: 314159 fill_username: true payload { body: "\\0\\0\\0" }
            response_compressed { value: false } response_status { code: 2 message: "boom" }
            """, file: "grpc/testing/messages.proto")))

        var refl = Grpc_Reflection_V1alpha_ServerReflectionResponse()
        refl.validHost = "h"
        var list = Grpc_Reflection_V1alpha_ListServiceResponse()
        var svc = Grpc_Reflection_V1alpha_ServiceResponse(); svc.name = "joblet.JobService"
        list.service = [svc]
        refl.listServicesResponse = list
        XCTAssertEqual(hex(refl.serializedBytes()), hex(try protocEncode("grpc.reflection.v1alpha.ServerReflectionResponse", """
            valid_host: "h" list_services_response { service { name: "joblet.JobService" } }
            """, file: "grpc/reflection/v1alpha/reflection.proto")))
    }
}
