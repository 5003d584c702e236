// jobs-bench: the load client behind bench/jobs/run.sh (issue 3, "Speed and memory").
// Talks to jobletd with our own client stack (JobletClient → GRPCChannel, mTLS). Every loop is
// bounded by a count and a deadline; it only ever dials the --target given (loopback in run.sh).
//
//   jobs-bench latency  --n 300 [--stamp bench/jobs/stamp]     one RunJob at a time
//   jobs-bench launch   --n 2000 --concurrency 32 [--channels 2] [--ids-out F] [--wait S] -- CMD ARGS...
//   jobs-bench wait     --ids F [--wait S]                       until every job is final; counts statuses
//   jobs-bench stop     --ids F [--concurrency 32]
//   jobs-bench timejob  -- CMD ARGS...                           one job: server RUNNING → final, and wall time
//
// Common: --target HOST:PORT --certs DIR (admin-client-*.pem, ca-cert.pem), --max-memory MB and
// --max-cpu PERCENT for the jobs (0: the server's defaults), --runtime NAME (an installed runtime
// the jobs run inside), --network NAME (the jobs' network; default: the server's
// jobs.defaultNetwork). Output: one JSON line.
import Foundation
import Glibc
import JobletAPI
import JobletClient

struct Options {
    var mode = ""
    var target = "127.0.0.1:50051"
    var certs = "/tmp/jobletd-bench-certs"
    var n = 100
    var concurrency = 16
    var channels = 2
    var stamp = "bench/jobs/stamp"
    var idsOut: String?
    var ids: String?
    var wait = 120.0
    var warmup = 10
    var command: [String] = []
    var maxMemoryMB: Int32 = 0   // 0: the server's default (512 MB unless configured)
    var maxCPU: Int32 = 0        // 0: the server's default (100 % of one core)
    var runtime = ""             // --runtime NAME: the jobs run inside this installed runtime
    var network = ""             // networks (issue 15): "" is the server's jobs.defaultNetwork
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("jobs-bench: \(message)\n".utf8))
    exit(1)
}

func parse() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())
    guard !args.isEmpty else { fail("usage: jobs-bench latency|launch|wait|stop|timejob [options] [-- CMD ARGS...]") }
    o.mode = args.removeFirst()
    while !args.isEmpty {
        let a = args.removeFirst()
        if a == "--" { o.command = args; break }
        guard !args.isEmpty else { fail("\(a) needs a value") }
        let v = args.removeFirst()
        switch a {
        case "--target": o.target = v
        case "--certs": o.certs = v
        case "--n": o.n = Int(v) ?? o.n
        case "--concurrency": o.concurrency = max(1, Int(v) ?? o.concurrency)
        case "--channels": o.channels = max(1, Int(v) ?? o.channels)
        case "--stamp": o.stamp = v
        case "--ids-out": o.idsOut = v
        case "--ids": o.ids = v
        case "--wait": o.wait = Double(v) ?? o.wait
        case "--warmup": o.warmup = Int(v) ?? o.warmup
        case "--max-memory": o.maxMemoryMB = Int32(v) ?? 0
        case "--max-cpu": o.maxCPU = Int32(v) ?? 0
        case "--runtime": o.runtime = v
        case "--network": o.network = v
        default: fail("unknown option \(a)")
        }
    }
    return o
}

/// CLOCK_REALTIME in ns: the same clock the stamp program reads inside the job.
func realtimeNS() -> Int64 {
    var t = timespec()
    clock_gettime(CLOCK_REALTIME, &t)
    return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
}

func monoNS() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let i = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[i]
}

func summary(_ values: [Double]) -> [String: Double] {
    let s = values.sorted()
    func r(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
    return ["p50": r(percentile(s, 0.50)), "p90": r(percentile(s, 0.90)), "p99": r(percentile(s, 0.99)),
            "max": r(s.last ?? .nan), "min": r(s.first ?? .nan), "n": Double(s.count)]
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func makeClients(_ o: Options, count: Int) -> [JobletClient] {
    guard let address = ServerAddress(parsing: o.target) else { fail("bad --target \(o.target)") }
    let settings = ConnectionSettings(address: address,
                                      certificate: .file(o.certs + "/admin-client-cert.pem"),
                                      privateKey: .file(o.certs + "/admin-client-key.pem"),
                                      ca: .file(o.certs + "/ca-cert.pem"))
    return (0..<count).map { _ in
        do { return try JobletClient(settings: settings, timeout: .seconds(60)) } catch { fail("\(error)") }
    }
}

func request(_ command: [String], _ o: Options = options) -> Joblet_RunJobRequest {
    var r = Joblet_RunJobRequest()
    r.maxMemory = o.maxMemoryMB
    r.maxCpu = o.maxCPU
    r.runtime = o.runtime
    r.network = o.network
    r.command = command[0]
    r.args = Array(command.dropFirst())
    return r
}

let finalStatuses: Set<String> = ["COMPLETED", "FAILED", "STOPPED", "CANCELED"]

/// Polls GetJobStatus until every id is final or `seconds` pass; returns the status counts.
func waitFinal(_ client: JobletClient, ids: [String], seconds: Double) async -> [String: Int] {
    var pending = Set(ids)
    var done: [String: String] = [:]
    let deadline = monoNS() + UInt64(seconds * 1e9)
    while !pending.isEmpty, monoNS() < deadline {
        for id in Array(pending) {
            if let s = try? await client.jobStatus(id: id), finalStatuses.contains(s.status) {
                done[id] = s.status
                pending.remove(id)
            }
        }
        if !pending.isEmpty { try? await Task.sleep(for: .milliseconds(50)) }
    }
    var counts: [String: Int] = [:]
    for s in done.values { counts[s, default: 0] += 1 }
    if !pending.isEmpty { counts["NOT_FINAL"] = pending.count }
    return counts
}

func readIDs(_ path: String?) -> [String] {
    guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("--ids FILE is required") }
    return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
}

// MARK: latency: one RunJob at a time; the job is the stamp program (uploaded to /work/stamp).

func latency(_ o: Options) async {
    let client = makeClients(o, count: 1)[0]
    guard let binary = FileManager.default.contents(atPath: o.stamp) else { fail("cannot read --stamp \(o.stamp)") }
    var upload = Joblet_FileUpload()
    upload.path = "stamp"
    upload.content = Array(binary)
    upload.mode = 0o755
    var stampRequest = request(["/work/stamp"])
    stampRequest.uploads = [upload]
    let trueRequest = request(["true"])

    var rttStamp: [Double] = [], rttTrue: [Double] = [], toExec: [Double] = []
    var launched: [(id: String, sent: Int64)] = []
    var errors = 0
    let deadline = monoNS() + UInt64(o.wait * 1e9)
    for i in 0..<(o.warmup + o.n) where monoNS() < deadline {
        for useStamp in [true, false] {
            let sent = realtimeNS(), m0 = monoNS()
            do {
                let response = try await client.runJob(useStamp ? stampRequest : trueRequest)
                let ms = Double(monoNS() - m0) / 1e6
                guard i >= o.warmup else { continue }
                if useStamp {
                    rttStamp.append(ms)
                    launched.append((response.jobUuid, sent))
                } else {
                    rttTrue.append(ms)
                }
            } catch {
                errors += 1
                FileHandle.standardError.write(Data("RunJob: \(error)\n".utf8))
            }
            // The jobs are short; give the previous one time to finish so launches do not overlap.
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
    // The stamp (first line of each log): CLOCK_REALTIME right after exec.
    var missing = 0
    for job in launched {
        var text: [UInt8] = []
        do {
            for try await chunk in try await client.jobLogs(id: job.id) { text += chunk }
        } catch { missing += 1; continue }
        let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard let stamp = Int64(line.trimmingCharacters(in: .whitespaces)) else { missing += 1; continue }
        toExec.append(Double(stamp - job.sent) / 1e6)
    }
    emit(["mode": "latency", "runjob_rtt_ms_stamp": summary(rttStamp), "runjob_rtt_ms_true": summary(rttTrue),
          "submit_to_exec_ms": summary(toExec), "errors": errors, "missing_stamps": missing])
    client.close()
}

// MARK: launch: N RunJobs from `concurrency` tasks over `channels` connections.

actor Counter {
    var next = 0
    var ids: [String] = []
    var errors = 0
    var firstError = ""
    func take(_ limit: Int) -> Int? {
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
    func done(_ id: String) { ids.append(id) }
    func failed(_ e: String) { errors += 1; if firstError.isEmpty { firstError = e } }
}

func launch(_ o: Options) async {
    guard !o.command.isEmpty else { fail("launch needs -- CMD ARGS...") }
    let clients = makeClients(o, count: o.channels)
    // Connect (TLS handshakes) before the clock starts.
    for c in clients { _ = try? await c.listJobs() }
    let counter = Counter()
    let req = request(o.command)
    let deadline = monoNS() + UInt64(o.wait * 1e9)
    let t0 = monoNS()
    var latencies: [Double] = []
    await withTaskGroup(of: [Double].self) { group in
        for w in 0..<o.concurrency {
            let client = clients[w % clients.count]
            group.addTask {
                var mine: [Double] = []
                while monoNS() < deadline, await counter.take(o.n) != nil {
                    let s = monoNS()
                    do {
                        let r = try await client.runJob(req)
                        mine.append(Double(monoNS() - s) / 1e6)
                        await counter.done(r.jobUuid)
                    } catch {
                        await counter.failed("\(error)")
                    }
                }
                return mine
            }
        }
        for await l in group { latencies += l }
    }
    let elapsed = Double(monoNS() - t0) / 1e9
    let ids = await counter.ids
    if let path = o.idsOut { try? (ids.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8) }
    var result: [String: Any] = [
        "mode": "launch", "command": o.command.joined(separator: " "), "n": o.n, "launched": ids.count,
        "concurrency": o.concurrency, "channels": o.channels, "seconds": (elapsed * 1000).rounded() / 1000,
        "launches_per_s": (Double(ids.count) / elapsed * 10).rounded() / 10,
        "runjob_ms": summary(latencies), "errors": await counter.errors, "first_error": await counter.firstError,
    ]
    if o.idsOut == nil || o.command != ["sleep", "60"] {
        let w0 = monoNS()
        result["final_statuses"] = await waitFinal(clients[0], ids: ids, seconds: o.wait)
        result["seconds_until_all_final"] = ((elapsed + Double(monoNS() - w0) / 1e9) * 1000).rounded() / 1000
    }
    emit(result)
    clients.forEach { $0.close() }
}

func waitMode(_ o: Options) async {
    let client = makeClients(o, count: 1)[0]
    let t0 = monoNS()
    let counts = await waitFinal(client, ids: readIDs(o.ids), seconds: o.wait)
    emit(["mode": "wait", "final_statuses": counts, "seconds": Double(monoNS() - t0) / 1e9])
    client.close()
}

func stopMode(_ o: Options) async {
    let ids = readIDs(o.ids)
    let clients = makeClients(o, count: o.channels)
    let t0 = monoNS()
    let errors = await withTaskGroup(of: Int.self) { group -> Int in
        for w in 0..<o.concurrency {
            let client = clients[w % clients.count]
            group.addTask {
                var errs = 0
                for i in stride(from: w, to: ids.count, by: o.concurrency) {
                    do { _ = try await client.stopJob(id: ids[i]) } catch { errs += 1 }
                }
                return errs
            }
        }
        return await group.reduce(0, +)
    }
    emit(["mode": "stop", "jobs": ids.count, "errors": errors, "seconds": Double(monoNS() - t0) / 1e9])
    clients.forEach { $0.close() }
}

/// One job: wall time from sending RunJob to the first GetJobStatus that shows it final
/// (polled every 25 ms), and the server's own RUNNING → final times (µs resolution).
func timejob(_ o: Options) async {
    guard !o.command.isEmpty else { fail("timejob needs -- CMD ARGS...") }
    let client = makeClients(o, count: 1)[0]
    _ = try? await client.listJobs()
    let t0 = monoNS()
    let r: Joblet_RunJobResponse
    do { r = try await client.runJob(request(o.command)) } catch { fail("RunJob: \(error)") }
    var status = ""
    var start = "", end = "", code: Int32 = 0
    let deadline = monoNS() + UInt64(o.wait * 1e9)
    while monoNS() < deadline {
        if let s = try? await client.jobStatus(id: r.jobUuid), finalStatuses.contains(s.status) {
            status = s.status; start = s.startTime; end = s.endTime; code = s.exitCode
            break
        }
        // Coarse on purpose: polling faster costs CPU (TLS, both ends) that the job competes for on
        // 2 cores. The job's own duration comes from the server's RUNNING → final timestamps.
        try? await Task.sleep(for: .milliseconds(25))
    }
    let wall = Double(monoNS() - t0) / 1e9
    let parser = ISO8601DateFormatter()
    parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    var server = -1.0
    if let a = parser.date(from: start), let b = parser.date(from: end) { server = b.timeIntervalSince(a) }
    emit(["mode": "timejob", "uuid": r.jobUuid, "status": status, "exit_code": code, "wall_s": wall,
          "server_running_to_final_s": server, "start": start, "end": end])
    client.close()
}

let options = parse()
switch options.mode {
case "latency": await latency(options)
case "launch": await launch(options)
case "wait": await waitMode(options)
case "stop": await stopMode(options)
case "timejob": await timejob(options)
default: fail("unknown mode \(options.mode)")
}
