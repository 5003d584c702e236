"""GET /metrics (--metrics-address) on a real jobletd, parsed by prometheus_client's text parser:
job, RPC, connection and process series, a counter that moves after a RunJob, running jobs' cgroup
readings, and a listener that stays bounded (404, 405, oversized and silent requests)."""
import re
import socket
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import crash_excerpt, start_jobletd, stop_jobletd
from jobhelpers import bounded_time

TIME_LIMIT = 60


@pytest.fixture(scope="module")
def metrics_server(certs, workdir, stubs):
    s = start_jobletd(certs, workdir / "data-metrics", "--metrics-address", "127.0.0.1:0")
    deadline = time.monotonic() + 10
    port = None
    while port is None:
        m = re.search(r"serving Prometheus metrics on port (\d+)", pathlib_text(s.log.name))
        if m:
            port = int(m.group(1))
        else:
            assert time.monotonic() < deadline, "jobletd never said where /metrics is"
            time.sleep(0.05)
    s.metrics_port = port
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


def pathlib_text(path):
    with open(path) as f:
        return f.read()


def scrape(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_scrape_parses_and_counters_move_after_run_job(metrics_server):
    import joblet_pb2
    import joblet_pb2_grpc
    before = scrape(metrics_server)
    assert value(before, "process_resident_memory_bytes") > 1 << 20
    assert value(before, "process_open_fds") > 3 and value(before, "process_threads") >= 2
    assert value(before, "jobletd_jobs", status="RUNNING") == 0
    assert ("jobletd_skypilot_request_errors", ()) in before
    stub = joblet_pb2_grpc.JobServiceStub(metrics_server.channel())
    uuid = stub.RunJob(joblet_pb2.RunJobRequest(command="sleep", args=["30"], maxMemory=64), timeout=10).jobUuid
    try:
        deadline = time.monotonic() + 10
        while stub.GetJobStatus(joblet_pb2.GetJobStatusReq(uuid=uuid), timeout=10).status != "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        after = scrape(metrics_server)
        run = ("method", "joblet.JobService/RunJob"), ("code", "OK")
        assert value(after, "jobletd_rpc_requests_total", **dict(run)) == value(before, "jobletd_rpc_requests_total", **dict(run)) + 1
        assert value(after, "jobletd_rpc_duration_seconds_count", method="joblet.JobService/RunJob") >= 1
        assert value(after, "jobletd_job_launches_total", result="started") == value(before, "jobletd_job_launches_total", result="started") + 1
        assert value(after, "jobletd_job_launch_latency_seconds_count") >= 1
        assert value(after, "jobletd_jobs", status="RUNNING") == 1
        assert value(after, "jobletd_open_connections") >= 1
        assert value(after, "jobletd_job_memory_bytes", job=uuid) > 0
        assert ("jobletd_job_cpu_seconds", (("job", uuid),)) in after
        # A paused job is frozen but holds its memory: it keeps its series.
        stub.PauseJob(joblet_pb2.PauseJobReq(uuid=uuid), timeout=10)
        paused = scrape(metrics_server)
        assert value(paused, "jobletd_jobs", status="PAUSED") == 1 and value(paused, "jobletd_jobs", status="RUNNING") == 0
        assert value(paused, "jobletd_job_memory_bytes", job=uuid) > 0
        assert ("jobletd_job_cpu_seconds", (("job", uuid),)) in paused
    finally:
        stub.StopJob(joblet_pb2.StopJobReq(uuid=uuid), timeout=10)
    # A stopped job's series go away; a failed call is counted under its code.
    with pytest.raises(Exception):
        stub.GetJobStatus(joblet_pb2.GetJobStatusReq(uuid="no-such-job"), timeout=10)
    final = scrape(metrics_server)
    assert ("jobletd_job_memory_bytes", (("job", uuid),)) not in final
    assert value(final, "jobletd_jobs", status="STOPPED") == 1
    assert value(final, "jobletd_rpc_requests_total", method="joblet.JobService/GetJobStatus", code="NOT_FOUND") == 1


def raw(server, request: bytes, read=True):
    with socket.create_connection(("127.0.0.1", server.metrics_port), timeout=10) as s:
        s.sendall(request)
        if not read:
            return b""
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def test_listener_answers_only_get_metrics_and_stays_bounded(metrics_server):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"http://127.0.0.1:{metrics_server.metrics_port}/other", timeout=10)
    assert e.value.code == 404
    assert raw(metrics_server, b"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 405 ")
    assert raw(metrics_server, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n").startswith(b"HTTP/1.1 431 ")
    assert raw(metrics_server, b"garbage\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    head = raw(metrics_server, b"HEAD /metrics HTTP/1.1\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and head.endswith(b"\r\n\r\n")
    # The listener still serves after all that.
    assert value(scrape(metrics_server), "process_threads") >= 2
