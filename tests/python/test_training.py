"""Training jobs (issue 19) against a real jobletd: pause/resume through the cgroup freezer (its
CPU time stops growing), stop while paused, restart while paused; training metrics from
`##joblet-metric` lines and $JOBLET_METRICS_FILE; artifacts with SHA-256; WatchJobs. The
extension methods go through grpcio stubs generated from our joblet.proto; plain job calls go
through the official Joblet SDK."""
import glob
import hashlib
import json
import os
import pathlib
import signal
import threading
import time

import grpc
import pytest

from conftest import crash_excerpt, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, FINAL, raw_status, sdk, sdk_fails, wait_status

TIME_LIMIT = 60
BUSY = ["-c", "while :; do :; done"]


@pytest.fixture(scope="module")
def tserver(certs, workdir, stubs):
    s = start_jobletd(certs, workdir / "data-training")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


@pytest.fixture(scope="module")
def pb(stubs):
    import joblet_pb2
    import joblet_pb2_grpc
    return joblet_pb2, joblet_pb2_grpc


def jobs(server, pb, identity="admin"):
    return pb[1].JobServiceStub(server.channel(identity))


def cgroup_file(uid, controller, name):
    paths = glob.glob(f"/sys/fs/cgroup/{controller}/joblet/{uid}/{name}")
    assert paths, f"no {controller} cgroup for job {uid}"
    return pathlib.Path(paths[0])


def cpu_ns(uid):
    return int(cgroup_file(uid, "cpuacct", "cpuacct.usage").read_text())


def freezer(uid):
    return cgroup_file(uid, "freezer", "freezer.state").read_text().strip()


def cpu_growth(uid, seconds=0.5):
    before = cpu_ns(uid)
    time.sleep(seconds)
    return cpu_ns(uid) - before


def rpc_fails(call, code):
    with pytest.raises(grpc.RpcError) as info:
        call()
    assert info.value.code() == code, f"got {info.value.code()} {info.value.details()!r}, wanted {code}"
    return info.value.details()


# MARK: pause / resume


def test_pause_freezes_resume_thaws_stop_while_paused(tserver, pb):
    client = sdk(tserver)
    stub = jobs(tserver, pb)
    uid = client.jobs.run_job("sh", BUSY, name="busy")["job_uuid"]
    wait_status(client, uid, ("RUNNING",), timeout=10)
    assert cpu_growth(uid) > 100_000_000, "the busy loop should use CPU before the pause"

    r = stub.PauseJob(pb[0].PauseJobReq(uuid=uid[:8]), timeout=10)
    assert (r.uuid, r.status) == (uid, "PAUSED")
    assert client.jobs.get_job_status(uid)["status"] == "PAUSED"
    assert freezer(uid) == "FROZEN"
    assert cpu_growth(uid, 0.6) < 5_000_000, "a paused job's CPU time must stop growing"
    assert "only a RUNNING job" in rpc_fails(lambda: stub.PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10),
                                             grpc.StatusCode.FAILED_PRECONDITION)

    r = stub.ResumeJob(pb[0].ResumeJobReq(uuid=uid), timeout=10)
    assert r.status == "RUNNING"
    assert freezer(uid) == "THAWED"
    assert cpu_growth(uid) > 100_000_000, "a resumed job runs again"
    assert "only a PAUSED job" in rpc_fails(lambda: stub.ResumeJob(pb[0].ResumeJobReq(uuid=uid), timeout=10),
                                            grpc.StatusCode.FAILED_PRECONDITION)

    stub.PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10)
    stopped = client.jobs.stop_job(uid)
    assert stopped["status"] == "STOPPED"
    st = wait_status(client, uid)
    assert (st["status"], st["exit_code"]) == ("STOPPED", -1)
    assert not glob.glob(f"/sys/fs/cgroup/freezer/joblet/{uid}"), "the stopped job's cgroup is removed"
    client.close()


def test_pause_refusals(tserver, pb):
    stub = jobs(tserver, pb)
    assert "not found" in rpc_fails(lambda: stub.PauseJob(pb[0].PauseJobReq(uuid="00000000-dead"), timeout=10),
                                    grpc.StatusCode.NOT_FOUND)
    client = sdk(tserver)
    uid = client.jobs.run_job("true", [])["job_uuid"]
    wait_status(client, uid)
    assert "COMPLETED" in rpc_fails(lambda: stub.PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10),
                                    grpc.StatusCode.FAILED_PRECONDITION)
    viewer = jobs(tserver, pb, "viewer")
    msg = rpc_fails(lambda: viewer.PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10), grpc.StatusCode.PERMISSION_DENIED)
    assert "pause_job" in msg
    client.close()


def test_paused_job_stays_paused_across_restart(certs, workdir, stubs, pb):
    data = workdir / "data-training-restart"
    server = start_jobletd(certs, data, log_path=workdir / "jobletd-training-restart-0.log")
    try:
        client = sdk(server)
        uid = client.jobs.run_job("sh", BUSY)["job_uuid"]
        wait_status(client, uid, ("RUNNING",), timeout=10)
        assert jobs(server, pb).PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10).status == "PAUSED"
        client.close()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        assert freezer(uid) == "FROZEN", "nothing thaws a paused job while jobletd is down"
        server = start_jobletd(certs, data, log_path=workdir / "jobletd-training-restart-1.log")
        client = sdk(server)
        assert client.jobs.get_job_status(uid)["status"] == "PAUSED"
        assert cpu_growth(uid, 0.6) < 5_000_000
        assert jobs(server, pb).ResumeJob(pb[0].ResumeJobReq(uuid=uid), timeout=10).status == "RUNNING"
        assert cpu_growth(uid) > 100_000_000
        assert jobs(server, pb).PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10).status == "PAUSED"
        assert client.jobs.stop_job(uid)["status"] == "STOPPED"
        client.close()
    finally:
        stop_jobletd(server)
