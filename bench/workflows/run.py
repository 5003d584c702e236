#!/usr/bin/env python3
"""Workflow benchmarks (issue 13), against a jobletd of its own on loopback:

1. fan: a 1,000-job workflow (1 -> 998 in parallel -> 1) of `true`. Reports, from the server's own
   start/end times, how long each dependent took to start after its last requirement ended (p50,
   p90, max; the 998 middle jobs all become ready at the same instant, so their latency includes
   waiting for a launch slot), the join job's latency alone, and the whole workflow's jobs/s.
2. validate: RunWorkflow of a 10,000-job YAML whose last job uploads a file that was not sent: the
   server parses and checks all 10,000 jobs (every one through RunJob's validator) and answers
   INVALID_ARGUMENT; nothing is stored. Round trip, best and median of --reps.
3. memory: a 10,000-job chain whose first job sleeps: jobletd's RSS before and with 9,999 jobs
   waiting in the engine, per waiting job; then StopWorkflow.

4. chain: a 200-job chain of `true`, each requiring the previous one: how long a dependent takes to
   start after its requirement ended when nothing else is queued (p50, p90, max).

Usage: bench/workflows/run.py [--build .build/debug] [--reps 3] [--only fan,chain,validate,memory] [--size N]
"""
import argparse
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import grpc
from joblet import JobletClient, joblet_pb2

ROOT = pathlib.Path(__file__).resolve().parents[2]


def start(build, certs, data, extra=()):
    proc = subprocess.Popen([str(build / "jobletd"), "--address", "127.0.0.1:0", "--certs", str(certs),
                             "--data", str(data), "--log-level", "warning", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on .*:(\d+)", line)
    if not m:
        proc.kill()
        sys.exit(f"jobletd did not start: {line!r}")
    return proc, int(m.group(1))


def client(certs, port):
    return JobletClient(host="localhost", port=port, ca_cert_path=str(certs / "ca-cert.pem"),
                        client_cert_path=str(certs / "admin-client-cert.pem"),
                        client_key_path=str(certs / "admin-client-key.pem"), insecure=False,
                        options={"grpc.max_receive_message_length": 64 << 20, "grpc.max_send_message_length": 64 << 20})


def ts(t):
    return t.seconds + t.nanos / 1e9


def wait_final(stub, uuid, timeout):
    deadline = time.monotonic() + timeout
    while True:
        r = stub.GetWorkflowStatus(joblet_pb2.GetWorkflowStatusRequest(workflowUuid=uuid), timeout=60)
        if r.workflow.status in ("COMPLETED", "FAILED", "STOPPED"):
            return r
        if time.monotonic() > deadline:
            sys.exit(f"workflow {uuid} still {r.workflow.status} after {timeout} s")
        time.sleep(0.5)


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stop_workflow(channel, uuid):
    """StopWorkflow is jobletd's addition (not in the SDK): StopWorkflowRequest.workflowUuid = 130."""
    data = uuid.encode()
    request = b"\x92\x08" + bytes([len(data)]) + data
    channel.unary_unary("/joblet.JobService/StopWorkflow")(request, timeout=300)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def created_times(data, ids):
    """Each job's created_at from the database file (the moment the engine handed it to the job
    engine), which the API does not return."""
    import datetime
    import sqlite3
    db = sqlite3.connect(f"file:{data / 'joblet.db'}?mode=ro", uri=True)
    try:
        rows = db.execute(f"SELECT id, created_at FROM job WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
    finally:
        db.close()
    return {i: datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for i, t in rows}


def fan(stub, pid, data, width=998):
    lines = ["name: fan-1000", "jobs:", "  first:", "    command: 'true'"]
    for i in range(width):
        lines += [f"  m{i}:", "    command: 'true'", "    requires: [{first: COMPLETED}]"]
    lines += ["  last:", "    command: 'true'", "    requires:"] + [f"      - m{i}: COMPLETED" for i in range(width)]
    yaml = "\n".join(lines) + "\n"
    cpu0 = cpu_seconds(pid)
    t0 = time.monotonic()
    r = stub.RunWorkflow(joblet_pb2.RunWorkflowRequest(workflow="fan.yaml", yamlContent=yaml), timeout=120)
    st = wait_final(stub, r.workflowUuid, 900)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    jobs = {j.jobName: j for j in st.jobs}
    assert st.workflow.status == "COMPLETED", st.workflow
    first_end = ts(jobs["first"].endTime)
    middle = [(ts(jobs[f"m{i}"].startTime) - first_end) * 1000 for i in range(width)]
    last_req_end = max(ts(jobs[f"m{i}"].endTime) for i in range(width))
    join = (ts(jobs["last"].startTime) - last_req_end) * 1000
    lat = sorted(middle + [join])
    server_span = ts(st.workflow.completedAt) - ts(st.workflow.createdAt)
    q = statistics.quantiles(lat, n=10)
    print(f"fan 1->{width}->1: dependent start latency after last requirement ended: "
          f"p50 {statistics.median(lat):.1f} ms, p90 {q[8]:.1f} ms, max {lat[-1]:.1f} ms, min {lat[0]:.1f} ms; "
          f"first middle job {min(middle):.1f} ms; join job {join:.1f} ms")
    created = created_times(data, [j.jobUuid for j in st.jobs])
    engine = sorted((created[jobs[f"m{i}"].jobUuid] - first_end) * 1000 for i in range(width))
    join_engine = (created[jobs["last"].jobUuid] - last_req_end) * 1000
    print(f"fan: engine part (requirement ended -> dependent job created, before its backend starts it): "
          f"first middle job {engine[0]:.1f} ms, join job {join_engine:.1f} ms")
    # Each dependent's latency split: waiting for a launch slot (ready -> job created: the engine
    # creates a workflow job when it takes it from its launch queue) and the launch itself
    # (created -> running), p50 over all of them. The 998 middle jobs are ready at the same
    # instant, so by Little's law their p50 wait is about 499 / the launch rate.
    waits = sorted(created[jobs[f"m{i}"].jobUuid] - first_end for i in range(width))
    launches = sorted(ts(jobs[n].startTime) - created[jobs[n].jobUuid] for n in [f"m{i}" for i in range(width)] + ["last"])
    print(f"fan: split over all {width + 1} dependents: waiting for a launch slot p50 {statistics.median(waits) * 1000:.1f} ms, "
          f"launch (created -> running) p50 {statistics.median(launches) * 1000:.1f} ms")
    print(f"fan: {width + 2} jobs in {server_span:.2f} s server time (created -> completed) = "
          f"{(width + 2) / server_span:.0f} jobs/s; client wall {wall:.2f} s; jobletd CPU {cpu:.2f} s "
          f"({cpu / (width + 2) * 1000:.2f} ms per job, status polling included)")


def chain(stub, length=200):
    """A chain of `true` jobs, each requiring the previous one COMPLETED: how long each dependent
    takes to start after its one requirement ended, with nothing else queued (the fan's middle
    jobs all become ready at once and wait for launch slots)."""
    lines = ["name: chain", "jobs:", "  j0:", "    command: 'true'"]
    for i in range(1, length):
        lines += [f"  j{i}:", "    command: 'true'", f"    requires: [{{j{i - 1}: COMPLETED}}]"]
    r = stub.RunWorkflow(joblet_pb2.RunWorkflowRequest(workflow="chain.yaml", yamlContent="\n".join(lines) + "\n"), timeout=120)
    st = wait_final(stub, r.workflowUuid, 600)
    assert st.workflow.status == "COMPLETED", st.workflow
    jobs = {j.jobName: j for j in st.jobs}
    lat = sorted((ts(jobs[f"j{i}"].startTime) - ts(jobs[f"j{i - 1}"].endTime)) * 1000 for i in range(1, length))
    q = statistics.quantiles(lat, n=10)
    span = ts(st.workflow.completedAt) - ts(st.workflow.createdAt)
    print(f"chain of {length}: a dependent starts after its requirement ended: p50 {statistics.median(lat):.1f} ms, "
          f"p90 {q[8]:.1f} ms, max {lat[-1]:.1f} ms, min {lat[0]:.1f} ms; {length / span:.0f} jobs/s one after another")


def validate(stub, reps, count=10_000):
    lines = ["name: big", "jobs:"]
    for i in range(count):
        lines += [f"  j{i}:", "    command: 'true'", "    args: ['x']", "    resources: {max_cpu: 50, max_memory: 64}"]
        if i:
            lines.append(f"    requires: [{{j{i - 1}: COMPLETED}}]")
    lines += ["    uploads: {files: [missing.txt]}"]
    yaml = "\n".join(lines) + "\n"
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        try:
            stub.RunWorkflow(joblet_pb2.RunWorkflowRequest(workflow="big.yaml", yamlContent=yaml), timeout=120)
            sys.exit("the invalid 10,000-job workflow was accepted")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "missing.txt" in e.details(), e
        times.append(time.perf_counter() - t0)
    print(f"validate {count} jobs ({len(yaml) / 1024:.0f} KiB YAML): best {min(times) * 1000:.0f} ms, "
          f"median {statistics.median(times) * 1000:.0f} ms over {reps} (RunWorkflow round trip, INVALID_ARGUMENT at the last job)")


def memory(stub, channel, pid, count=10_000):
    lines = ["name: chain", "jobs:", "  j0:", "    command: sleep", "    args: ['600']"]
    for i in range(1, count):
        lines += [f"  j{i}:", "    command: 'true'", f"    requires: [{{j{i - 1}: COMPLETED}}]"]
    yaml = "\n".join(lines) + "\n"
    # Warm the allocator and SQLite cache with one small workflow first.
    small = stub.RunWorkflow(joblet_pb2.RunWorkflowRequest(workflow="w", yamlContent="jobs: {a: {command: 'true'}}"), timeout=60)
    wait_final(stub, small.workflowUuid, 60)
    time.sleep(1)
    before = rss_kib(pid)
    r = stub.RunWorkflow(joblet_pb2.RunWorkflowRequest(workflow="chain.yaml", yamlContent=yaml), timeout=300)
    time.sleep(2)
    during = rss_kib(pid)
    # A second, identical chain: the allocator already grew to the first one's parsing peak, so
    # this delta is closer to what stays per waiting job (engine state, SQLite cache growth).
    r2 = stub.RunWorkflow(joblet_pb2.RunWorkflowRequest(workflow="chain2.yaml", yamlContent=yaml), timeout=300)
    time.sleep(2)
    during2 = rss_kib(pid)
    stop_workflow(channel, r.workflowUuid)
    stop_workflow(channel, r2.workflowUuid)
    time.sleep(1)
    after = rss_kib(pid)
    print(f"memory: RSS {before / 1024:.1f} MiB before, {during / 1024:.1f} MiB with {count - 1} jobs waiting "
          f"(+{(during - before) / (count - 1) * 1024:.0f} bytes per waiting job, parsing peak included), "
          f"{during2 / 1024:.1f} MiB with a second such workflow (+{(during2 - during) / (count - 1) * 1024:.0f} bytes "
          f"per waiting job), {after / 1024:.1f} MiB after StopWorkflow of both")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / ".build" / "debug"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="fan,chain,validate,memory")
    ap.add_argument("--launches", type=int, default=0, help="workflows.maxConcurrentLaunches (0: jobletd's default)")
    ap.add_argument("--size", type=int, default=0,
                    help="jobs per workflow instead of the issue's sizes (bench/smoke.sh: a few, to prove the script works)")
    args = ap.parse_args()
    size = args.size
    build = pathlib.Path(args.build)
    work = pathlib.Path(tempfile.mkdtemp(prefix="wf-bench-"))
    try:
        certs = work / "certs"
        subprocess.run([str(ROOT / "scripts" / "gen-certs.sh"), str(certs)], check=True, stdout=subprocess.DEVNULL)
        extra = ()
        if args.launches:
            (work / "config.yml").write_text(f"workflows:\n  maxConcurrentLaunches: {args.launches}\n")
            extra = ("--config", str(work / "config.yml"))
        proc, port = start(build, certs, work / "data", extra)
        try:
            c = client(certs, port)
            stub = c.jobs.stub
            only = args.only.split(",")
            print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {build}, load {os.getloadavg()[0]:.1f}, "
                  f"maxConcurrentLaunches {args.launches or 'default'}")
            if "validate" in only:
                validate(stub, args.reps, *((size,) if size else ()))
            if "fan" in only:
                fan(stub, proc.pid, work / "data", *((max(1, size - 2),) if size else ()))
            if "chain" in only:
                chain(stub, *((max(2, size),) if size else ()))
            if "memory" in only:
                memory(stub, c._channel, proc.pid, *((size,) if size else ()))
            c.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
