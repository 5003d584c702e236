import Foundation
import JobletAPI
import JobletCore
import RPC
import SkyPilotAdapter

/// Proto ⇄ domain translation for jobs. Secrets never leave the domain unmasked.
enum JobMapping {
    static func request(_ r: Joblet_RunJobRequest) -> JobRequest {
        var request = JobRequest(
            name: r.name, command: r.command, args: r.args,
            limits: ResourceLimits(maxCPU: Int(r.maxCpu), cpuCores: r.cpuCores, maxMemoryMB: Int(r.maxMemory),
                                   maxIOBPS: Int(r.maxIobps)),
            environment: r.environment, secretEnvironment: r.secretEnvironment,
            uploads: r.uploads.map { FileUpload(path: $0.path, content: $0.content, mode: $0.mode, isDirectory: $0.isDirectory) },
            workDir: r.workDir, schedule: r.schedule, network: r.network, volumes: r.volumes, runtime: r.runtime,
            gpuCount: Int(r.gpuCount), gpuMemoryMB: Int(r.gpuMemoryMb), infra: r.infra)
        request.workspaceLimitMB = Int(r.workspaceLimitMb)  // sandbox (issue 16)
        request.artifacts = r.artifacts  // training (issue 19)
        return request
    }

    static func legacyRequest(_ r: Joblet_RunJobReq) -> JobRequest {
        JobRequest(command: r.command, args: r.args,
                   limits: ResourceLimits(maxCPU: Int(r.maxCPU), maxMemoryMB: Int(r.maxMemory), maxIOBPS: Int(r.maxIOBPS)))
    }

    static func time(_ d: Date?) -> String { d.map(RFC3339.format) ?? "" }

    static func runJobResponse(_ j: Job) -> Joblet_RunJobResponse {
        var r = Joblet_RunJobResponse()
        r.jobUuid = j.id
        r.status = j.status.rawValue
        r.command = j.command
        r.args = j.args
        r.maxCpu = Int32(clamping: j.limits.maxCPU)
        r.cpuCores = j.limits.cpuCores
        r.maxMemory = Int32(clamping: j.limits.maxMemoryMB)
        r.maxIobps = Int32(clamping: j.limits.maxIOBPS)
        r.startTime = time(j.startedAt)
        r.endTime = time(j.endedAt)
        r.exitCode = j.exitCode ?? 0
        r.scheduledTime = time(j.scheduledAt)
        return r
    }

    static func job(_ j: Job) -> Joblet_Job {
        var r = Joblet_Job()
        r.uuid = j.id
        r.name = j.name
        r.command = j.command
        r.args = j.args
        r.maxCPU = Int32(clamping: j.limits.maxCPU)
        r.cpuCores = j.limits.cpuCores
        r.maxMemory = Int32(clamping: j.limits.maxMemoryMB)
        r.maxIOBPS = Int32(clamping: j.limits.maxIOBPS)
        r.status = j.status.rawValue
        r.startTime = time(j.startedAt)
        r.endTime = time(j.endedAt)
        r.exitCode = j.exitCode ?? 0
        r.scheduledTime = time(j.scheduledAt)
        r.runtime = j.runtime
        r.environment = j.environment
        r.secretEnvironment = j.maskedSecretEnvironment
        r.gpuIndices = j.gpuIndices.map { Int32(clamping: $0) }
        r.gpuCount = Int32(clamping: j.gpuCount)
        r.gpuMemoryMb = Int32(clamping: j.gpuMemoryMB)
        r.nodeId = j.nodeID
        r.reason = j.reason ?? ""
        return r
    }

    static func legacyJob(_ j: Job) -> Joblet_RunJobRes {
        // RunJobRes has Job's fields and numbers: re-decode Job's bytes as RunJobRes.
        (try? Joblet_RunJobRes(serializedBytes: job(j).serializedBytes())) ?? Joblet_RunJobRes()
    }

    static func status(_ j: Job) -> Joblet_GetJobStatusRes {
        var r = Joblet_GetJobStatusRes()
        r.uuid = j.id
        r.name = j.name
        r.command = j.command
        r.args = j.args
        r.maxCPU = Int32(clamping: j.limits.maxCPU)
        r.cpuCores = j.limits.cpuCores
        r.maxMemory = Int32(clamping: j.limits.maxMemoryMB)
        r.maxIOBPS = Int32(clamping: j.limits.maxIOBPS)
        r.status = j.status.rawValue
        r.startTime = time(j.startedAt)
        r.endTime = time(j.endedAt)
        r.exitCode = j.exitCode ?? 0
        r.scheduledTime = time(j.scheduledAt)
        r.environment = j.environment
        r.secretEnvironment = j.maskedSecretEnvironment
        r.network = j.network
        r.volumes = j.volumes
        r.runtime = j.runtime
        r.workDir = j.workDir
        r.uploads = j.uploads.map(\.path)
        r.gpuIndices = j.gpuIndices.map { Int32(clamping: $0) }
        r.gpuCount = Int32(clamping: j.gpuCount)
        r.gpuMemoryMb = Int32(clamping: j.gpuMemoryMB)
        r.nodeId = j.nodeID
        r.reason = j.reason ?? ""
        r.backend = j.backend
        if j.backend == SkyPilotBackend.backendName, let sky = SkyPilotJobInfo(backendState: j.backendState) {
            r.skypilotStatus = sky.status ?? ""
            r.skypilotFailureReason = sky.failureReason ?? ""
            r.skypilotRecoveryCount = Int32(clamping: sky.recoveryCount)
            r.skypilotJobId = Int64(sky.jobID ?? 0)
        }
        return r
    }

    static func rpcError(_ e: JobletError) -> RPCError {
        let code: RPCStatusCode = switch e.code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .failedPrecondition: .failedPrecondition
        case .alreadyExists: .alreadyExists
        case .permissionDenied: .permissionDenied
        case .resourceExhausted: .resourceExhausted
        case .unavailable: .unavailable
        case .internal: .internal
        case .unimplemented: .unimplemented
        }
        return RPCError(code, e.message)
    }
}
