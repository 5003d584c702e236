import JobletAPI
import RPC

/// The methods that carry uploads (files and directories in the request) take messages up to
/// `server.maxUploadMessageSize`; every other method keeps `server.maxReceiveMessageSize`.
/// StreamingInstallRuntimeFromLocal takes the same request as InstallRuntimeFromLocal.
enum UploadLimits {
    static let uploadMethods = [Joblet_JobService.Method.runJob, Joblet_JobService.Method.runWorkflow,
                                Joblet_RuntimeService.Method.installRuntimeFromLocal,
                                Joblet_RuntimeService.Method.streamingInstallRuntimeFromLocal]

    static func apply(to router: RPCRouter, configuration: DaemonConfiguration) {
        let limit = RequestSizeLimit(bytes: configuration.maxUploadMessageSize, setting: "server.maxUploadMessageSize")
        for method in uploadMethods { router.allowLargeRequests(method, limit: limit) }
    }
}
