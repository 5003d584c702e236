import RPC
import XCTest
@testable import JobletClient

final class JobletClientErrorTests: XCTestCase {
    private let server = ServerAddress(host: "127.0.0.1", port: 50051)

    func testServerMessagesAreShownAsTheServerWroteThem() {
        let e = JobletClientError(rpc: RPCError(.notFound, "job not found: f47ac10b"), path: "/joblet.JobService/GetJobStatus",
                                  server: server)
        XCTAssertEqual(e.description, "job not found: f47ac10b")
        XCTAssertEqual(e.code, .notFound)
    }

    func testUnimplementedNamesTheMethod() {
        let e = JobletClientError(rpc: RPCError(.unimplemented, "unknown method"), path: "/joblet.JobService/RunJob", server: server)
        XCTAssertEqual(e.description, "not implemented yet: /joblet.JobService/RunJob")
    }

    func testTransportAndAuthorizationFailures() {
        XCTAssertEqual(JobletClientError(rpc: RPCError(.unavailable, "cannot connect to 127.0.0.1:50051: Connection refused"),
                                         path: "/p", server: server).description,
                       "jobletd at 127.0.0.1:50051 is unavailable: Connection refused")
        XCTAssertEqual(JobletClientError(rpc: RPCError(.permissionDenied, "role viewer is not allowed to perform operation run_job"),
                                         path: "/p", server: server).description,
                       "permission denied: role viewer is not allowed to perform operation run_job")
        XCTAssertEqual(JobletClientError(rpc: RPCError(.internal, ""), path: "/p", server: server).description, "INTERNAL")
    }
}
