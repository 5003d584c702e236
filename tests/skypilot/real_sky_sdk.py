#!/usr/bin/env python3
"""Against a REAL SkyPilot API server (started by real_sky_test.sh): jobletd with
--skypilot-endpoint, driven by the official Joblet Python SDK.

1. A GPU job reaches SkyPilot, is PENDING (then STARTING/INITIALIZING when SkyPilot gets that
   far) and ends FAILED with SkyPilot's "Cloud access is not set up" reason in its status and log.
2. A GPU job stopped while pending ends STOPPED.
Prints the statuses it saw; exits non-zero on any failed check.

usage: real_sky_sdk.py --jobletd BIN --endpoint URL [--timeout S]
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
FINAL = {"COMPLETED", "FAILED", "STOPPED", "CANCELED"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jobletd", required=True)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--timeout", type=float, default=420)
    a = p.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="jobletd-realsky-"))
    certs = work / "certs"
    subprocess.run([str(ROOT / "scripts" / "gen-certs.sh"), str(certs)], check=True, stdout=subprocess.DEVNULL)
    log = open(work / "jobletd.log", "w")
    proc = subprocess.Popen([a.jobletd, "--address", "127.0.0.1:0", "--certs", str(certs), "--data", str(work / "data"),
                             "--skypilot-endpoint", a.endpoint], stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on .*:(\d+)", line)
    if not m:
        sys.exit(f"jobletd did not start: {line!r}; see {log.name}")
    port = int(m.group(1))
    failures = []
    try:
        sys.path.insert(0, str(ROOT / "tests" / "python"))
        from joblet import JobletClient
        client = JobletClient(host="localhost", port=port, ca_cert_path=str(certs / "ca-cert.pem"),
                              client_cert_path=str(certs / "admin-client-cert.pem"),
                              client_key_path=str(certs / "admin-client-key.pem"), insecure=False)

        def statuses(job_id, until, timeout):
            seen, deadline = [], time.time() + timeout
            while time.time() < deadline:
                st = client.jobs.get_job_status(job_id)["status"]
                if not seen or seen[-1] != st:
                    seen.append(st)
                    print(f"  {job_id[:8]} {st}", flush=True)
                if until(st):
                    return seen
                time.sleep(0.5)
            return seen

        print("== GPU job through the SDK to SkyPilot (no cloud access)", flush=True)
        job = client.jobs.run_job(command="nvidia-smi", gpu_count=1, name="realsky-fail")
        seen = statuses(job["job_uuid"], lambda s: s in FINAL, a.timeout)
        logs = b"".join(client.jobs.get_job_logs(job["job_uuid"])).decode(errors="replace")
        # The SDK's status dict has no reason (upstream has no such field): read ours raw.
        reason = raw_reason(port, certs, job["job_uuid"])
        print(f"  statuses: {' → '.join(seen)}\n  reason: {reason}", flush=True)
        if seen[-1:] != ["FAILED"]:
            failures.append(f"GPU job ended {seen[-1:]} instead of FAILED")
        if "PENDING" not in seen:
            failures.append("GPU job was never PENDING")
        if "Cloud access is not set up" not in reason:
            failures.append(f"reason lacks SkyPilot's 'Cloud access is not set up': {reason!r}")
        if "Cloud access is not set up" not in logs:
            failures.append("job log lacks SkyPilot's 'Cloud access is not set up'")

        print("== StopJob on a pending GPU job", flush=True)
        job = client.jobs.run_job(command="sleep", args=["3600"], gpu_count=1, name="realsky-stop")
        statuses(job["job_uuid"], lambda s: s in ("PENDING", "INITIALIZING") or s in FINAL, 60)
        client.jobs.stop_job(job["job_uuid"])
        seen = statuses(job["job_uuid"], lambda s: s in FINAL, a.timeout)
        print(f"  statuses: {' → '.join(seen)}", flush=True)
        if seen[-1:] != ["STOPPED"]:
            failures.append(f"stopped GPU job ended {seen[-1:]} instead of STOPPED")
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures) + f"\n  (jobletd log: {work / 'jobletd.log'})")
        sys.exit(1)
    print("skypilot: 2 passed, 0 failed")


def raw_reason(port, certs, job_id):
    """GetJobStatusRes.reason (our field 100) through stubs generated from our own proto."""
    import importlib
    import grpc
    from grpc_tools import protoc
    out = pathlib.Path(tempfile.mkdtemp(prefix="jobletd-stubs-"))
    protoc.main(["protoc", f"-I{ROOT / 'Protos'}", f"--python_out={out}", "joblet.proto"])
    sys.path.insert(0, str(out))
    # The SDK registered upstream's joblet.proto in the default pool; ours goes in a private one.
    text = (out / "joblet_pb2.py").read_text().replace("_descriptor_pool.Default()", "_descriptor_pool.DescriptorPool()")
    (out / "ourjoblet_pb2.py").write_text(text)
    pb = importlib.import_module("ourjoblet_pb2")
    creds = grpc.ssl_channel_credentials((certs / "ca-cert.pem").read_bytes(), (certs / "admin-client-key.pem").read_bytes(),
                                         (certs / "admin-client-cert.pem").read_bytes())
    with grpc.secure_channel(f"localhost:{port}", creds) as ch:
        call = ch.unary_unary("/joblet.JobService/GetJobStatus", request_serializer=lambda m: m.SerializeToString(),
                              response_deserializer=pb.GetJobStatusRes.FromString)
        return call(pb.GetJobStatusReq(uuid=job_id), timeout=10).reason


if __name__ == "__main__":
    main()
