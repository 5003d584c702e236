import JobletAPI
import JobletCore
import RPC

/// PauseJob / ResumeJob (training, issue 19).
extension JobService {
    func registerPause(on router: RPCRouter) {
        let engine = self.engine
        let m = Joblet_JobService.Method.self
        router.unary(m.pauseJob, Joblet_PauseJobReq.self) { req, _ in
            try await JobService.translating {
                let j = try await engine.pause(req.uuid)
                var r = Joblet_PauseJobRes()
                r.uuid = j.id
                r.status = j.status.rawValue
                return r
            }
        }
        router.unary(m.resumeJob, Joblet_ResumeJobReq.self) { req, _ in
            try await JobService.translating {
                let j = try await engine.resume(req.uuid)
                var r = Joblet_ResumeJobRes()
                r.uuid = j.id
                r.status = j.status.rawValue
                return r
            }
        }
    }
}
