#!/usr/bin/env python3
"""Artifacts (issue 19): DownloadArtifact of a 1 GiB artifact in MB/s next to GetJobLogs of a
1 GiB log, through the same grpcio client and jobletd; and what keeping (linking + hashing) a
1 GiB artifact adds to a job's end, next to reading the file once.

    python3 bench/training/artifact_bench.py [--build .build/debug] [--reps 3] [--gib 1]

It starts its own jobletd on a fresh data directory under /var/tmp, and deletes its jobs and the
directory at the end. Results go to stdout as one JSON object (and readable lines on stderr)."""
import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / ".build" / "debug"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--gib", type=int, default=1)
    ap.add_argument("--mib", type=int, default=0, help="the size in MiB instead (bench/smoke.sh: a few)")
    args = ap.parse_args()
    os.environ["JOBLETD_BUILD"] = args.build
    import conftest  # noqa: E402  (reads JOBLETD_BUILD)
    conftest.BUILD = pathlib.Path(args.build)

    work = pathlib.Path(tempfile.mkdtemp(prefix="artifact-bench-", dir="/var/tmp"))
    try:
        stubs = work / "stubs"
        stubs.mkdir()
        conftest._generate_stubs(stubs)
        sys.path.insert(0, str(stubs))
        import joblet_pb2 as pb
        import joblet_pb2_grpc as rpc
        import subprocess
        subprocess.run([str(ROOT / "scripts" / "gen-certs.sh"), str(work / "certs")], check=True, stdout=subprocess.DEVNULL)
        server = conftest.start_jobletd(work / "certs", work / "data", log_path=work / "jobletd.log")
        try:
            results = run(server, pb, rpc, args.reps, (args.mib << 20) if args.mib else (args.gib << 30))
        finally:
            conftest.stop_jobletd(server)
        results.update(build=args.build, date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       load=os.getloadavg()[0])
        print(json.dumps(results, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def duration(st):
    from jobhelpers import parse_rfc3339
    return (parse_rfc3339(st.endTime) - parse_rfc3339(st.startTime)).total_seconds()


def finish(stub, pb, uid, timeout=600):
    deadline = time.monotonic() + timeout
    while True:
        st = stub.GetJobStatus(pb.GetJobStatusReq(uuid=uid), timeout=10)
        if st.status in ("COMPLETED", "FAILED", "STOPPED"):
            assert st.status == "COMPLETED", f"{uid}: {st.status} {st.reason}"
            return st
        assert time.monotonic() < deadline
        time.sleep(0.02)


def run(server, pb, rpc, reps, size):
    options = [("grpc.max_receive_message_length", 64 << 20)]
    stub = rpc.JobServiceStub(server.channel(options=options))
    write = f"head -c {size} /dev/zero > big.bin"
    ends = {"plain": [], "artifact": []}
    kept = None
    for _ in range(reps):
        for kind in ("plain", "artifact"):
            req = pb.RunJobRequest(command="sh", args=["-c", write], artifacts=["big.bin"] if kind == "artifact" else [])
            uid = stub.RunJob(req, timeout=30).jobUuid
            ends[kind].append(duration(finish(stub, pb, uid)))
            if kind == "artifact":
                kept = uid
            else:
                stub.DeleteJob(pb.DeleteJobReq(uuid=uid), timeout=30)
    path = server.data / "artifacts" / kept / "big.bin"
    reads = []
    for _ in range(reps):
        t = time.monotonic()
        with open(path, "rb", buffering=0) as f:
            while f.read(1 << 20):
                pass
        reads.append(time.monotonic() - t)

    def stream_mbps(call):
        t = time.monotonic()
        n = sum(len(m.data if hasattr(m, "data") else m.payload) for m in call())
        assert n >= size, n  # a log may end with a [jobletd] note
        return n / (time.monotonic() - t) / 1e6

    downloads = [stream_mbps(lambda: stub.DownloadArtifact(pb.DownloadArtifactReq(uuid=kept, name="big.bin"), timeout=600))
                 for _ in range(reps)]
    log_uid = stub.RunJob(pb.RunJobRequest(command="head", args=["-c", str(size), "/dev/zero"]), timeout=30).jobUuid
    finish(stub, pb, log_uid)
    logs = [stream_mbps(lambda: stub.GetJobLogs(pb.GetJobLogsReq(uuid=log_uid), timeout=600)) for _ in range(reps)]
    for uid in (kept, log_uid):
        stub.DeleteJob(pb.DeleteJobReq(uuid=uid), timeout=30)

    med = lambda xs: sorted(xs)[len(xs) // 2]
    out = {"bytes": size, "job_end_plain_s": ends["plain"], "job_end_with_artifact_s": ends["artifact"],
           "keep_overhead_s_median": med(ends["artifact"]) - med(ends["plain"]), "read_once_s": reads,
           "download_artifact_mbps": downloads, "get_job_logs_mbps": logs}
    print(f"job with 1 artifact: {med(ends['artifact']):.2f} s vs {med(ends['plain']):.2f} s without "
          f"(+{out['keep_overhead_s_median']:.2f} s); reading the file once: {med(reads):.2f} s", file=sys.stderr)
    print(f"DownloadArtifact {med(downloads):.1f} MB/s, GetJobLogs {med(logs):.1f} MB/s", file=sys.stderr)
    return out


if __name__ == "__main__":
    main()
