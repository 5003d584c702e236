"""GPU jobs through SkyPilot, end to end at the gRPC level: the official Joblet SDK talks to a
jobletd whose GPU backend is a protocol-faithful stand-in of SkyPilot's API server
(tests/skypilot/standin.py). The Swift suite SkyPilotAdapterTests covers every scenario at the
backend level; this one proves the wiring: routing, statuses, logs, StopJob, the extension fields."""
import pathlib
import re
import subprocess
import sys
import time

import pytest

from conftest import ROOT, start_jobletd, stop_jobletd
from jobhelpers import standin_control as control

STANDIN = ROOT / "tests" / "skypilot" / "standin.py"
FINAL = {"COMPLETED", "FAILED", "STOPPED", "CANCELED"}


@pytest.fixture(scope="module")
def standin():
    proc = subprocess.Popen([sys.executable, str(STANDIN), "--port", "0", "--heartbeat", "0.2", "--token", "sky_test_token"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.match(r"PORT (\d+)", line)
    assert m, f"stand-in did not start: {line!r}"
    yield f"http://127.0.0.1:{m.group(1)}"
    proc.terminate()
    proc.wait(timeout=10)




@pytest.fixture(scope="module")
def gpu_server(certs, workdir, standin):
    data = workdir / "gpu-data"
    cfg = workdir / "gpu-config.yml"
    cfg.write_text(f"skypilot:\n  endpoint: {standin}\n  token: sky_test_token\n  pollIntervalSeconds: 0.2\n"
                   f"  maxPollIntervalSeconds: 1\n")
    s = start_jobletd(certs, data, "--config", str(cfg), log_path=workdir / "jobletd-gpu.log")
    yield s
    stop_jobletd(s)


@pytest.fixture(scope="module")
def sdk(gpu_server):
    from joblet import JobletClient
    c = JobletClient(host="localhost", port=gpu_server.port, ca_cert_path=str(gpu_server.certs / "ca-cert.pem"),
                     client_cert_path=str(gpu_server.certs / "admin-client-cert.pem"),
                     client_key_path=str(gpu_server.certs / "admin-client-key.pem"), insecure=False)
    yield c
    c.close()


@pytest.fixture(scope="module")
def raw(gpu_server, stubs):
    import joblet_pb2, joblet_pb2_grpc
    ch = gpu_server.channel()
    yield joblet_pb2, joblet_pb2_grpc.JobServiceStub(ch)
    ch.close()


def wait_final(sdk, job_id, timeout=30):
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = sdk.jobs.get_job_status(job_id)["status"]
        if not seen or seen[-1] != st:
            seen.append(st)
        if st in FINAL:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not final after {timeout}s: {seen}")


def test_gpu_job_runs_through_skypilot_with_logs(sdk, raw, standin):
    control(standin, "/_standin/scenario", {"name": "success"})
    job = sdk.jobs.run_job(command="python3", args=["train.py", "--epochs", "3"], gpu_count=1,
                           secret_environment={"HF_TOKEN": "hf_secret_value"})
    seen = wait_final(sdk, job["job_uuid"])
    assert seen[-1] == "COMPLETED", seen
    assert "RUNNING" in seen
    log = b"".join(sdk.jobs.get_job_logs(job["job_uuid"])).decode()
    assert "hello from the GPU" in log and "training done" in log
    assert "sky-payload" not in log
    pb, stub = raw
    st = stub.GetJobStatus(pb.GetJobStatusReq(uuid=job["job_uuid"]))
    assert st.backend == "skypilot" and st.skypilot_status == "SUCCEEDED" and st.skypilot_job_id > 0
    # The task reached SkyPilot as a managed job named after our uuid, with the secret in its env.
    launched = [j for j in control(standin, "/_standin/jobs")["jobs"] if j.get("job_name") == job["job_uuid"]]
    assert len(launched) == 1


def test_preemption_is_visible(sdk, raw, standin):
    control(standin, "/_standin/scenario", {"name": "preemption"})
    job = sdk.jobs.run_job(command="python3", args=["train.py"], gpu_count=8, gpu_memory_mb=80000)
    seen = wait_final(sdk, job["job_uuid"])
    assert "RECOVERING" in seen and seen[-1] == "COMPLETED", seen
    pb, stub = raw
    assert stub.GetJobStatus(pb.GetJobStatusReq(uuid=job["job_uuid"])).skypilot_recovery_count == 2


def test_launch_failure_is_failed_with_skypilots_reason(sdk, raw, standin):
    control(standin, "/_standin/scenario", {"name": "no_cloud"})
    job = sdk.jobs.run_job(command="nvidia-smi", gpu_count=1)
    seen = wait_final(sdk, job["job_uuid"])
    assert seen[-1] == "FAILED", seen
    pb, stub = raw
    st = stub.GetJobStatus(pb.GetJobStatusReq(uuid=job["job_uuid"]))
    assert "Cloud access is not set up" in st.reason and "\x1b[" not in st.reason
    assert "Cloud access is not set up" in b"".join(sdk.jobs.get_job_logs(job["job_uuid"])).decode()


def test_stop_on_a_pending_gpu_job_ends_stopped(sdk, standin):
    control(standin, "/_standin/scenario", {"name": "cancel"})
    job = sdk.jobs.run_job(command="sleep", args=["3600"], gpu_count=1)
    deadline = time.time() + 20
    while sdk.jobs.get_job_status(job["job_uuid"])["status"] not in ("PENDING", "RUNNING") and time.time() < deadline:
        time.sleep(0.05)
    sdk.jobs.stop_job(job["job_uuid"])
    assert wait_final(sdk, job["job_uuid"])[-1] == "STOPPED"
    cancels = [r for r in control(standin, "/_standin/requests") if r["path"] == "/jobs/cancel"]
    assert cancels, "StopJob must reach SkyPilot's /jobs/cancel"


def test_secrets_never_reach_the_server_log(gpu_server, sdk):
    text = (gpu_server.data.parent / "jobletd-gpu.log").read_text()
    assert "hf_secret_value" not in text


def test_gpu_job_without_skypilot_is_refused(server, stubs):
    import grpc
    import joblet_pb2, joblet_pb2_grpc
    with server.channel() as ch:
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).RunJob(joblet_pb2.RunJobRequest(command="nvidia-smi", gpu_count=1))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert e.value.details() == ("GPU jobs need a SkyPilot API server: start one with 'sky api start' "
                                 "and pass --skypilot-endpoint")
