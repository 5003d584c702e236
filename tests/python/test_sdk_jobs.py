"""The official Joblet Python SDK (joblet-sdk-python 1.1.5, mTLS) drives jobs on a jobletd of this
module's own; plus roles, the legacy JobletService and requests the local backend refuses."""
import time
import uuid as uuidlib

import grpc
import pytest

from conftest import crash_excerpt, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, FINAL, logs, raw_status, rfc3339_in, sdk, sdk_fails, wait_status

SECRET = f"s3cr3t-{uuidlib.uuid4().hex}"
GRACE_MS = 1000


@pytest.fixture(scope="module")
def jobs_server(certs, workdir, stubs):
    # trace: the most the server ever logs, so the secret check below means something.
    # A 1 s stop grace, not the default 100 ms: a TERM handler must get to run even when CI's
    # two cores are busy (the forced-stop test still sees the kill after the grace).
    config = workdir / "sdk-jobs.yml"
    config.write_text(f"jobs:\n  stopGraceMilliseconds: {GRACE_MS}\n")
    s = start_jobletd(certs, workdir / "data-sdk", "--log-level", "trace", "--config", str(config))
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


@pytest.fixture(scope="module")
def client(jobs_server):
    c = sdk(jobs_server)
    yield c
    c.close()


def test_run_with_limits_env_secrets_uploads(client):
    script = (b"#!/bin/sh\necho script ran in $(pwd)\n")
    job = client.jobs.run_job(
        "sh", ["-c", "cat /work/notes.txt; echo; stat -c '%a %n' /work/notes.txt /work/tools /work/tools/run.sh; "
                     "/work/tools/run.sh; echo \"PLAIN=$PLAIN SECRET=$SECRET HOME=$HOME\"; echo \"secret length ${#SECRET}\""],
        name="sdk-full", max_cpu=50, cpu_cores="0", max_memory=128, max_iobps=50_000_000,
        environment={"PLAIN": "plain value"}, secret_environment={"SECRET": SECRET},
        uploads=[{"path": "notes.txt", "content": b"uploaded notes", "mode": 0o600},
                 {"path": "tools", "is_directory": True, "mode": 0o750},
                 {"path": "tools/run.sh", "content": script, "mode": 0o755}],
        work_dir="tools")
    assert job["status"] in ("INITIALIZING", "RUNNING", "COMPLETED")
    assert (job["max_cpu"], job["cpu_cores"], job["max_memory"], job["max_iobps"]) == (50, "0", 128, 50_000_000)
    st = wait_status(client, job["job_uuid"])
    assert st["status"] == "COMPLETED" and st["exit_code"] == 0, st
    assert st["name"] == "sdk-full"
    assert (st["max_cpu"], st["cpu_cores"], st["max_memory"], st["max_iobps"]) == (50, "0", 128, 50_000_000)
    assert st["environment"] == {"PLAIN": "plain value"}
    assert st["secret_environment"] == {"SECRET": "***"}
    assert st["work_dir"] == "tools"
    assert sorted(st["uploads"]) == ["notes.txt", "tools", "tools/run.sh"]
    out = logs(client, job["job_uuid"]).decode()
    assert "uploaded notes" in out
    assert "600 /work/notes.txt" in out and "750 /work/tools" in out and "755 /work/tools/run.sh" in out
    assert "script ran in /work/tools" in out
    # The job itself sees the real value; GetJobLogs shows it masked (issue 16).
    assert "PLAIN=plain value SECRET=*** HOME=/work" in out and SECRET not in out
    assert f"secret length {len(SECRET)}" in out


def test_status_logs_live_while_running_and_after(client):
    job = client.jobs.run_job("sh", ["-c", "for i in $(seq 1 30); do echo line $i; sleep 0.1; done"])
    uid = job["job_uuid"]
    got, status_at_first_chunk = [], []
    for chunk in client.jobs.get_job_logs(uid):
        if not got:
            status_at_first_chunk.append(client.jobs.get_job_status(uid)["status"])
        got.append(chunk)
    # The stream ended by itself when the job did; the first bytes came while it still ran.
    assert status_at_first_chunk == ["RUNNING"]
    assert len(got) > 1, "live output came as one chunk: it was not streamed while running"
    expected = "".join(f"line {i}\n" for i in range(1, 31)).encode()
    assert b"".join(got) == expected
    assert wait_status(client, uid, timeout=5)["status"] == "COMPLETED"
    assert logs(client, uid) == expected  # and again after it finished


def test_list_and_every_response_mask_secrets_and_server_log_has_none(client, jobs_server):
    job = client.jobs.run_job("sh", ["-c", "test -n \"$TOKEN\" && echo token set"], name="secretive",
                              environment={"VISIBLE": "yes"}, secret_environment={"TOKEN": SECRET})
    st = wait_status(client, job["job_uuid"])
    assert st["status"] == "COMPLETED" and st["secret_environment"] == {"TOKEN": "***"}
    listed = [j for j in client.jobs.list_jobs() if j["uuid"] == job["job_uuid"]]
    assert len(listed) == 1
    assert listed[0]["secret_environment"] == {"TOKEN": "***"} and listed[0]["environment"] == {"VISIBLE": "yes"}
    assert all(set(j["secret_environment"].values()) <= {"***"} for j in client.jobs.list_jobs())
    assert logs(client, job["job_uuid"]) == b"token set\n"
    # Raw bytes of every response that carries a job, over both services.
    import joblet_pb2
    import joblet_pb2_grpc
    with jobs_server.channel() as ch:
        for service, method, req in (("JobService", "GetJobStatus", joblet_pb2.GetJobStatusReq(uuid=job["job_uuid"])),
                                     ("JobService", "ListJobs", joblet_pb2.EmptyRequest()),
                                     ("JobletService", "GetJobStatus", joblet_pb2.GetJobStatusReq(uuid=job["job_uuid"])),
                                     ("JobletService", "ListJobs", joblet_pb2.EmptyRequest())):
            call = ch.unary_unary(f"/joblet.{service}/{method}", request_serializer=lambda m: m.SerializeToString(),
                                  response_deserializer=lambda b: b)
            body = call(req, timeout=10)
            assert SECRET.encode() not in body and b"***" in body, f"{service}/{method}"
        # A refused request naming a secret must not echo its value either.
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).RunJob(joblet_pb2.RunJobRequest(
                command="true", environment={"DUP": "x"}, secret_environment={"DUP": SECRET}), timeout=10)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and SECRET not in e.value.details()
    jobs_server.log.flush()
    server_log = open(jobs_server.log.name).read()
    assert server_log, "the server logged nothing at trace level: the check below would prove nothing"
    assert SECRET not in server_log, "a secret value reached jobletd's log"


def test_stop_and_status_codes(client):
    job = client.jobs.run_job("sleep", ["30"])
    wait_status(client, job["job_uuid"], ("RUNNING",), timeout=5)
    t = time.monotonic()
    r = client.jobs.stop_job(job["job_uuid"][:8])  # by prefix
    assert time.monotonic() - t < 3
    assert r["uuid"] == job["job_uuid"] and r["status"] == "STOPPED" and r["exit_code"] == -1 and r["end_time"]
    st = client.jobs.get_job_status(job["job_uuid"])
    assert st["status"] == "STOPPED" and st["exit_code"] == -1
    msg = sdk_fails(client.jobs.stop_job, grpc.StatusCode.FAILED_PRECONDITION, job["job_uuid"])
    assert msg == f"job is not running: {job['job_uuid']} (current status: STOPPED)"


def _stop_with(client, jobs_server, trap):
    job = client.jobs.run_job("sh", ["-c", f"{trap}; echo ready; while :; do sleep 0.1; done"])
    uid = job["job_uuid"]
    wait_status(client, uid, ("RUNNING",), timeout=5)
    deadline = time.monotonic() + 5
    while b"ready" not in logs_so_far(jobs_server, uid):
        assert time.monotonic() < deadline, "the job never printed ready"
        time.sleep(0.02)
    t = time.monotonic()
    r = client.jobs.stop_job(uid)
    took = time.monotonic() - t
    st = wait_status(client, uid, timeout=5)
    return r, st, logs(client, uid).decode(), took, raw_status(jobs_server, uid).reason


def logs_so_far(server, uid):
    """The job's log file as it is now (GetJobLogs would follow until the job ends)."""
    p = server.data / "logs" / f"{uid}.log"
    return p.read_bytes() if p.exists() else b""


def test_stop_with_sigterm_handler_is_graceful(client, jobs_server):
    r, st, out, took, reason = _stop_with(client, jobs_server, "trap 'echo got TERM; exit 3' TERM")
    assert r["status"] == st["status"] == "STOPPED", (r, st)
    # DESIGN: STOPPED has exit code -1 unless the job had exited by itself before the stop.
    assert st["exit_code"] == -1 and r["exit_code"] == -1, (r, st)
    assert "got TERM" in out, f"the job's TERM handler did not run: {out!r}"
    assert "stop" in reason
    print(f"graceful stop took {took:.3f} s; reason {reason!r}")


def test_stop_without_sigterm_handler_kills_after_grace(client, jobs_server):
    r, st, out, took, reason = _stop_with(client, jobs_server, "trap '' TERM")
    assert r["status"] == st["status"] == "STOPPED", (r, st)
    assert st["exit_code"] == -1 and r["exit_code"] == -1, (r, st)
    assert "got TERM" not in out
    assert GRACE_MS / 1000 <= took < GRACE_MS / 1000 + 3, f"StopJob took {took:.2f} s with a {GRACE_MS} ms grace"
    assert "stop" in reason
    print(f"forced stop took {took:.3f} s; reason {reason!r}")


def test_cancel_scheduled_job(client):
    job = client.jobs.run_job("echo", ["never"], schedule=rfc3339_in(3600))
    assert job["status"] == "SCHEDULED" and job["scheduled_time"]
    r = client.jobs.cancel_job(job["job_uuid"])
    assert r == {"uuid": job["job_uuid"], "status": "CANCELED"}
    st = client.jobs.get_job_status(job["job_uuid"])
    assert st["status"] == "CANCELED" and not st["start_time"]
    msg = sdk_fails(client.jobs.cancel_job, grpc.StatusCode.FAILED_PRECONDITION, job["job_uuid"])
    assert "is not scheduled" in msg and "CANCELED" in msg
    assert logs(client, job["job_uuid"]) == b""


def test_cancel_running_job_is_refused(client):
    job = client.jobs.run_job("sleep", ["30"])
    try:
        msg = sdk_fails(client.jobs.cancel_job, grpc.StatusCode.FAILED_PRECONDITION, job["job_uuid"])
        assert "RUNNING" in msg and "StopJob" in msg
    finally:
        client.jobs.stop_job(job["job_uuid"])


def test_delete_job(client):
    job = client.jobs.run_job("echo", ["bye"])
    uid = job["job_uuid"]
    wait_status(client, uid)
    r = client.jobs.delete_job(uid[:13])  # a prefix works here too
    assert r["success"] and r["uuid"] == uid
    assert uid not in [j["uuid"] for j in client.jobs.list_jobs()]
    msg = sdk_fails(client.jobs.get_job_status, grpc.StatusCode.NOT_FOUND, uid)
    assert msg == f"job not found: {uid}"
    sdk_fails(client.jobs.get_job_logs(uid).__next__, grpc.StatusCode.NOT_FOUND)


def test_delete_running_job_is_refused(client):
    job = client.jobs.run_job("sleep", ["30"])
    try:
        msg = sdk_fails(client.jobs.delete_job, grpc.StatusCode.FAILED_PRECONDITION, job["job_uuid"])
        assert "still active" in msg and "RUNNING" in msg
    finally:
        client.jobs.stop_job(job["job_uuid"])


def test_unique_prefix_and_ambiguous_prefix(client):
    job = client.jobs.run_job("echo", ["prefixed"])
    uid = job["job_uuid"]
    wait_status(client, uid)
    for n in (8, 13, 36):
        assert client.jobs.get_job_status(uid[:n])["uuid"] == uid
        assert client.jobs.get_job_status(uid[:n].upper())["uuid"] == uid
    assert logs(client, uid[:8]) == b"prefixed\n"
    # Make two ids share a first character (16 hex digits: 17 jobs always do).
    by_first = {}
    for j in client.jobs.list_jobs():
        by_first.setdefault(j["uuid"][0], []).append(j["uuid"])
    while max(len(v) for v in by_first.values()) < 2:
        u = client.jobs.run_job("true")["job_uuid"]
        by_first.setdefault(u[0], []).append(u)
    first, ids = next((k, v) for k, v in by_first.items() if len(v) >= 2)
    msg = sdk_fails(client.jobs.get_job_status, grpc.StatusCode.INVALID_ARGUMENT, first)
    assert f"job id prefix '{first}' is ambiguous" in msg
    for u in ids[:5]:
        assert u in msg, f"{u} not named in {msg!r}"
    sdk_fails(client.jobs.stop_job, grpc.StatusCode.INVALID_ARGUMENT, first)
    sdk_fails(client.jobs.delete_job, grpc.StatusCode.INVALID_ARGUMENT, first)
    sdk_fails(client.jobs.get_job_status, grpc.StatusCode.NOT_FOUND, "zzzz")


def test_viewer_reads_but_changes_nothing(client, jobs_server):
    job = client.jobs.run_job("echo", ["for viewers"])
    uid = job["job_uuid"]
    wait_status(client, uid)
    running = client.jobs.run_job("sleep", ["30"])
    scheduled = client.jobs.run_job("true", schedule=rfc3339_in(3600))
    viewer = sdk(jobs_server, "viewer")
    try:
        assert viewer.jobs.get_job_status(uid)["status"] == "COMPLETED"
        assert uid in [j["uuid"] for j in viewer.jobs.list_jobs()]
        assert b"".join(viewer.jobs.get_job_logs(uid)) == b"for viewers\n"
        before = {j["uuid"]: j["status"] for j in client.jobs.list_jobs()}
        for call, args, op in ((viewer.jobs.run_job, ("true",), "run_job"),
                               (viewer.jobs.stop_job, (running["job_uuid"],), "stop_job"),
                               (viewer.jobs.cancel_job, (scheduled["job_uuid"],), "cancel_job"),
                               (viewer.jobs.delete_job, (uid,), "delete_job"),
                               (viewer.jobs.delete_all_jobs, (), "delete_all_jobs")):
            msg = sdk_fails(call, grpc.StatusCode.PERMISSION_DENIED, *args)
            assert msg == f"role viewer is not allowed to perform operation {op}"
        assert {j["uuid"]: j["status"] for j in client.jobs.list_jobs()} == before
    finally:
        viewer.close()
        client.jobs.stop_job(running["job_uuid"])
        client.jobs.cancel_job(scheduled["job_uuid"])


def test_legacy_jobletservice_on_the_same_engine(client, jobs_server):
    import joblet_pb2
    import joblet_pb2_grpc
    with jobs_server.channel() as ch:
        legacy = joblet_pb2_grpc.JobletServiceStub(ch)
        res = legacy.RunJob(joblet_pb2.RunJobReq(command="sh", args=["-c", "echo legacy $0; sleep 0.3", "ok"],
                                                  maxCPU=50, maxMemory=64), timeout=10)
        assert isinstance(res, joblet_pb2.RunJobRes)
        assert res.uuid and res.command == "sh" and list(res.args)[-1] == "ok"
        assert (res.maxCPU, res.maxMemory) == (50, 64) and res.status in ("RUNNING", "COMPLETED")
        chunks = list(legacy.GetJobLogs(joblet_pb2.GetJobLogsReq(uuid=res.uuid), timeout=10))
        assert b"".join(c.payload for c in chunks) == b"legacy ok\n"
        st = legacy.GetJobStatus(joblet_pb2.GetJobStatusReq(uuid=res.uuid[:8]), timeout=10)
        assert st.uuid == res.uuid and st.status == "COMPLETED" and st.exitCode == 0
        assert res.uuid in [j.uuid for j in legacy.ListJobs(joblet_pb2.EmptyRequest(), timeout=10).jobs]
        # The same engine: the new service and the SDK see the legacy job, and vice versa.
        assert client.jobs.get_job_status(res.uuid)["status"] == "COMPLETED"
        long = legacy.RunJob(joblet_pb2.RunJobReq(command="sleep", args=["30"]), timeout=10)
        wait_status(client, long.uuid, ("RUNNING",), timeout=5)
        stopped = legacy.StopJob(joblet_pb2.StopJobReq(uuid=long.uuid), timeout=10)
        assert stopped.status == "STOPPED" and stopped.exitCode == -1
        sdk_job = client.jobs.run_job("true")
        wait_status(client, sdk_job["job_uuid"])
        assert legacy.GetJobStatus(joblet_pb2.GetJobStatusReq(uuid=sdk_job["job_uuid"]), timeout=10).status == "COMPLETED"
        with pytest.raises(grpc.RpcError) as e:
            legacy.StopJob(joblet_pb2.StopJobReq(uuid=res.uuid), timeout=10)
        assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize("kwargs, needle", [
    (dict(gpu_count=1),
     "GPU jobs need a SkyPilot API server: start one with 'sky api start' and pass --skypilot-endpoint"),
])  # an unknown runtime is INVALID_ARGUMENT naming the installed ones: test_runtimes.py
def test_unsupported_fields_are_refused_clearly(client, kwargs, needle):
    before = len(client.jobs.list_jobs())
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.FAILED_PRECONDITION, "true", **kwargs)
    assert needle in msg, msg
    if "gpu_count" in kwargs:
        assert msg == needle
    assert len(client.jobs.list_jobs()) == before, "a refused job was stored"


# Networks and volumes (issue 15): one that does not exist is a malformed request, named.
@pytest.mark.parametrize("kwargs, needle", [
    (dict(network="isolated-net"), "network 'isolated-net' does not exist; networks: bridge, isolated, none, host"),
    (dict(volumes=["scratch"]), "volume 'scratch' does not exist"),
])
def test_unknown_networks_and_volumes_are_refused_clearly(client, kwargs, needle):
    before = len(client.jobs.list_jobs())
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "true", **kwargs)
    assert needle in msg, msg
    assert len(client.jobs.list_jobs()) == before, "a refused job was stored"


def test_delete_all_skips_running_jobs_and_says_how_many(client):
    """Last in this module: it deletes every finished job the tests above left."""
    running = client.jobs.run_job("sleep", ["30"])
    done = [client.jobs.run_job("echo", [str(i)])["job_uuid"] for i in range(3)]
    for u in done:
        wait_status(client, u)
    wait_status(client, running["job_uuid"], ("RUNNING",), timeout=5)
    finished = [j["uuid"] for j in client.jobs.list_jobs() if j["status"] in FINAL]
    active = [j["uuid"] for j in client.jobs.list_jobs() if j["status"] not in FINAL]
    r = client.jobs.delete_all_jobs()
    assert r["success"]
    assert r["deleted_count"] == len(finished) and r["skipped_count"] == len(active) >= 1, r
    assert f"skipped {len(active)}" in r["message"], r
    left = [j["uuid"] for j in client.jobs.list_jobs()]
    assert sorted(left) == sorted(active) and running["job_uuid"] in left
    client.jobs.stop_job(running["job_uuid"])
    r2 = client.jobs.delete_all_jobs()
    assert r2["deleted_count"] == len(active) and r2["skipped_count"] == 0
    assert client.jobs.list_jobs() == []
