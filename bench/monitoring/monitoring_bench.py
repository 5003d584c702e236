#!/usr/bin/env python3
"""Monitoring benchmarks (issue 17) against a jobletd of its own:

  1. GetSystemStatus latency (p50, p90, p99) over N calls on one channel;
  2. idle cost: jobletd's CPU time over a quiet window, /metrics on but nobody asking;
  3. GET /metrics time with 1,000 running `sleep` jobs (small limits), then every job stopped
     and deleted again.

Usage: python3 bench/monitoring/monitoring_bench.py [--build .build/debug] [--jobs 1000] [--calls 300]
Prints one block of results; paste it into docs/benchmarks.md with the date and the command.
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(values):
    v = sorted(values)
    pick = lambda q: v[min(len(v) - 1, int(q * len(v)))]
    return pick(0.5), pick(0.9), pick(0.99)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / ".build" / "debug"))
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--idle-seconds", type=float, default=30)
    args = ap.parse_args()
    os.environ["JOBLETD_BUILD"] = args.build
    import conftest  # noqa: E402  (reads JOBLETD_BUILD)
    conftest.BUILD = pathlib.Path(args.build)

    work = pathlib.Path(tempfile.mkdtemp(prefix="jobletd-monbench-"))
    stubs = work / "stubs"
    stubs.mkdir()
    conftest._generate_stubs(stubs)
    sys.path.insert(0, str(stubs))
    import grpc
    import joblet_pb2 as pb
    import joblet_pb2_grpc as rpc
    certs = work / "certs"
    subprocess.run([str(ROOT / "scripts" / "gen-certs.sh"), str(certs)], check=True, stdout=subprocess.DEVNULL)
    server = conftest.start_jobletd(certs, work / "data", "--metrics-address", "127.0.0.1:0", "--log-level", "warning")
    ids = []
    try:
        log = pathlib.Path(server.log.name)
        deadline = time.monotonic() + 10
        server.log.flush()
        port = None
        # The notice is below --log-level warning: find the port from the socket table instead.
        while port is None and time.monotonic() < deadline:
            out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout
            for line in out.splitlines():
                if f"pid={server.proc.pid}," in line:
                    p = int(line.split()[3].rsplit(":", 1)[1])
                    if p != server.port:
                        port = p
            time.sleep(0.1)
        assert port, "no /metrics port found"
        url = f"http://127.0.0.1:{port}/metrics"
        channel = server.channel()
        mon = rpc.MonitoringServiceStub(channel)
        jobs = rpc.JobServiceStub(channel)

        # 1. GetSystemStatus
        for _ in range(10):
            mon.GetSystemStatus(pb.EmptyRequest(), timeout=10)
        lat = []
        for _ in range(args.calls):
            t = time.perf_counter()
            mon.GetSystemStatus(pb.EmptyRequest(), timeout=10)
            lat.append((time.perf_counter() - t) * 1000)
        p50, p90, p99 = percentiles(lat)
        print(f"GetSystemStatus x{args.calls}: p50 {p50:.2f} ms, p90 {p90:.2f} ms, p99 {p99:.2f} ms")

        # 2. Idle cost
        time.sleep(2)
        c0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        c1, t1 = cpu_seconds(server.proc.pid), time.monotonic()
        print(f"idle ({t1 - t0:.0f} s, /metrics on, nobody asking): {100 * (c1 - c0) / (t1 - t0):.3f} % of one core")

        # 3. Scrape with N running jobs
        def launch(_):
            return jobs.RunJob(pb.RunJobRequest(command="sleep", args=["900"], maxCpu=5, maxMemory=16), timeout=60).jobUuid
        t = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            ids = list(ex.map(launch, range(args.jobs)))
        deadline = time.monotonic() + 120
        while True:
            running = sum(1 for j in jobs.ListJobs(pb.EmptyRequest(), timeout=60).jobs if j.status == "RUNNING")
            if running >= args.jobs or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        print(f"{running} jobs running (launched in {time.monotonic() - t:.1f} s)")
        times, size = [], 0
        for _ in range(12):
            t = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                body = r.read()
            times.append((time.perf_counter() - t) * 1000)
            size = len(body)
            time.sleep(0.2)
        series = len(re.findall(rb"^jobletd_job_memory_bytes\{", body, re.M))
        p50, p90, _ = percentiles(times[2:])
        print(f"GET /metrics with {series} running jobs' series: p50 {p50:.1f} ms, max {max(times[2:]):.1f} ms "
              f"(first {times[0]:.1f} ms), {size} bytes")
    finally:
        def stop(i):
            try:
                jobs.StopJob(pb.StopJobReq(uuid=i), timeout=60)
            except grpc.RpcError:
                pass
        if ids:
            with concurrent.futures.ThreadPoolExecutor(16) as ex:
                list(ex.map(stop, ids))
            try:
                jobs.DeleteAllJobs(pb.DeleteAllJobsReq(), timeout=120)
            except grpc.RpcError:
                pass
        conftest.stop_jobletd(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
