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
import urllib.parse
import time

import subprocess

import grpc
import pytest

from conftest import BUILD, crash_excerpt, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, FINAL, raw_status, sdk, sdk_fails, wait_status, standin_control as control

TIME_LIMIT = 60
BUSY = ["-c", "while :; do :; done"]
RNX = BUILD / "rnx"


def rnx(server, *args, timeout=30):
    c = server.certs
    flags = ["--server", server.target, "--cert", str(c / "admin-client-cert.pem"),
             "--key", str(c / "admin-client-key.pem"), "--ca", str(c / "ca-cert.pem")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBLET_") and k != "RNX_CONFIG"}
    return subprocess.run([str(RNX), *flags, *args], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def tserver(certs, workdir, stubs):
    s = start_jobletd(certs, workdir / "data-training")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


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


# MARK: training metrics

TRAIN = r"""
i=1
for loss in 2.5 1.25 0.833 0.625 0.5; do
  echo "step $i of 5"
  echo "##joblet-metric {\"step\": $((i * 100)), \"epoch\": 1, \"loss\": $loss, \"learning_rate\": 0.0002}"
  i=$((i + 1))
  sleep 0.2
done
echo '##joblet-metric {"step": oops}'
echo '{"eval_loss": 0.25, "step": 500}' >> "$JOBLET_METRICS_FILE"
echo 'not json' >> "$JOBLET_METRICS_FILE"
[ -e /work/hold ] || sleep 30
"""


def training_job(client, extra=""):
    return client.jobs.run_job("sh", ["-c", TRAIN.replace("[ -e /work/hold ] || sleep 30", extra)], name="train")["job_uuid"]


def test_metrics_visible_while_running_and_kept(tserver, pb):
    client = sdk(tserver)
    stub = jobs(tserver, pb)
    uid = training_job(client, "sleep 30")
    deadline = time.monotonic() + 20
    while True:
        st = raw_status(tserver, uid)
        if st.HasField("training") and st.training.step >= 200:
            break
        assert time.monotonic() < deadline, f"no metrics while running: {st}"
        time.sleep(0.1)
    assert st.status == "RUNNING", "metrics are visible while the job runs"
    assert st.training.learning_rate == pytest.approx(0.0002)
    assert st.training.epoch == 1
    # Wait for the end of the script's metrics, then stop it.
    deadline = time.monotonic() + 20
    while raw_status(tserver, uid).training.malformed_lines < 2:
        assert time.monotonic() < deadline, "the malformed lines were never counted"
        time.sleep(0.1)
    client.jobs.stop_job(uid)
    wait_status(client, uid)

    r = stub.GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid), timeout=10)
    log_samples = [s for s in r.samples if s.source == "log"]
    assert [s.step for s in log_samples] == [100, 200, 300, 400, 500]
    assert [round(s.loss, 3) for s in log_samples] == [2.5, 1.25, 0.833, 0.625, 0.5]
    assert all(dict(s.values).keys() == {"step", "epoch", "loss", "learning_rate"} for s in log_samples)
    file_samples = [s for s in r.samples if s.source == "file"]
    assert [dict(s.values) for s in file_samples] == [{"eval_loss": 0.25, "step": 500}]
    assert r.summary.samples == 6
    assert r.summary.malformed_lines == 2, "the bad ##joblet-metric line and the file's 'not json'"
    assert dict(r.summary.latest) == {"step": 500, "epoch": 1, "loss": 0.5, "learning_rate": 0.0002, "eval_loss": 0.25}
    last = stub.GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid, limit=2), timeout=10)
    assert [s.step for s in last.samples] == [500, 500]
    # The job's own output is untouched: the metric lines stay in its log.
    log = b"".join(client.jobs.get_job_logs(uid)).decode()
    assert log.count("##joblet-metric") == 6 and "step 3 of 5" in log
    viewer = jobs(tserver, pb, "viewer")
    assert len(viewer.GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid), timeout=10).samples) == 6

    status = rnx(tserver, "status", uid)
    assert status.returncode == 0, status.stderr
    assert "Training:" in status.stdout and "step=500 epoch=1 loss=0.5 learning_rate=0.0002 eval_loss=0.25" in status.stdout
    assert "6 sample(s), 2 malformed line(s) ignored" in status.stdout
    metrics = rnx(tserver, "job", "metrics", uid)
    assert metrics.returncode == 0, metrics.stderr
    assert "cpu-s" in metrics.stdout.splitlines()[0], "the resource usage is still shown first"
    assert "loss over steps" in metrics.stdout and "step 100" in metrics.stdout
    chart = metrics.stdout.split("loss over steps\n")[1].splitlines()[:6]
    assert chart[0].strip().startswith("2.5 ┤") and chart[-1].strip().startswith("0.5 ┤"), chart
    client.close()


def test_metrics_survive_a_restart_without_duplicates(certs, workdir, stubs, pb):
    data = workdir / "data-training-metrics-restart"
    server = start_jobletd(certs, data, log_path=workdir / "jobletd-training-metrics-restart-0.log")
    try:
        client = sdk(server)
        script = ('for i in 1 2 3 4 5 6 7 8 9 10; do echo "##joblet-metric {\\"step\\": $i}"; '
                  'echo "{\\"file_step\\": $i}" >> "$JOBLET_METRICS_FILE"; sleep 0.3; done')
        uid = client.jobs.run_job("sh", ["-c", script])["job_uuid"]
        deadline = time.monotonic() + 15
        while raw_status(server, uid).training.samples < 4:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        client.close()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        time.sleep(0.5)  # lines written while nobody reads
        server = start_jobletd(certs, data, log_path=workdir / "jobletd-training-metrics-restart-1.log")
        client = sdk(server)
        assert wait_status(client, uid, timeout=20)["status"] == "COMPLETED"
        deadline = time.monotonic() + 10
        while raw_status(server, uid).training.samples < 20:
            assert time.monotonic() < deadline, raw_status(server, uid).training
            time.sleep(0.05)
        samples = jobs(server, pb).GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid), timeout=10).samples
        assert sorted(int(s.values["step"]) for s in samples if s.source == "log") == list(range(1, 11))
        assert sorted(int(s.values["file_step"]) for s in samples if s.source == "file") == list(range(1, 11))
        assert raw_status(server, uid).training.samples == 20, "each line stored once"
        client.close()
    finally:
        stop_jobletd(server)


def test_job_without_metrics_has_no_training_field(tserver, pb):
    client = sdk(tserver)
    uid = client.jobs.run_job("echo", ["hello"])["job_uuid"]
    wait_status(client, uid)
    time.sleep(0.5)
    assert not raw_status(tserver, uid).HasField("training")
    r = jobs(tserver, pb).GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid), timeout=10)
    assert list(r.samples) == [] and not r.HasField("summary")
    rpc_fails(lambda: jobs(tserver, pb).GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid, limit=-1), timeout=10),
              grpc.StatusCode.INVALID_ARGUMENT)
    client.close()


def test_metrics_file_symlink_is_not_followed(tserver, pb):
    client = sdk(tserver)
    secret = pathlib.Path(tserver.data).parent / "host-metrics.jsonl"
    secret.write_text('{"leak": 1}\n')
    os.chmod(secret, 0o644)
    uid = client.jobs.run_job("sh", ["-c", f'ln -s {secret} "$JOBLET_METRICS_FILE"; ls -l "$JOBLET_METRICS_FILE"'])["job_uuid"]
    assert wait_status(client, uid)["status"] == "COMPLETED", b"".join(client.jobs.get_job_logs(uid))
    time.sleep(0.5)
    assert not raw_status(tserver, uid).HasField("training"), "a symlinked metrics file must not be read"
    client.close()


# MARK: artifacts

ARTIFACT_JOB = r"""
mkdir -p out
head -c 3000000 /dev/urandom > out/adapter_model.safetensors
echo '{"r": 8, "alpha": 16}' > out/config.json
ln -s /etc/passwd out/leak.json
echo "##joblet-metric {\"step\": 1, \"loss\": 0.1}"
"""


def run_artifact_job(tserver, pb, patterns):
    req = pb[0].RunJobRequest(command="sh", args=["-c", ARTIFACT_JOB], artifacts=patterns, name="adapter")
    uid = jobs(tserver, pb).RunJob(req, timeout=10).jobUuid
    client = sdk(tserver)
    st = wait_status(client, uid)
    assert st["status"] == "COMPLETED", b"".join(client.jobs.get_job_logs(uid))
    client.close()
    # Listed when the job ends; hashed right after, off the job's end.
    listed = jobs(tserver, pb).ListArtifacts(pb[0].ListArtifactsReq(uuid=uid), timeout=10).artifacts
    assert listed and all(a.state in ("hashing", "ok") for a in listed)
    deadline = time.monotonic() + 20
    while any(a.state != "ok" for a in jobs(tserver, pb).ListArtifacts(pb[0].ListArtifactsReq(uuid=uid), timeout=10).artifacts):
        assert time.monotonic() < deadline, "artifacts still hashing"
        time.sleep(0.05)
    return uid


def download(stub, pb, uid, name, offset=0):
    chunks = list(stub.DownloadArtifact(pb[0].DownloadArtifactReq(uuid=uid, name=name, offset=offset), timeout=30))
    assert chunks and chunks[0].HasField("info") and all(not c.HasField("info") for c in chunks[1:])
    assert [c.offset for c in chunks] == sorted(c.offset for c in chunks) and chunks[0].offset == offset
    return chunks[0].info, b"".join(c.data for c in chunks)


def test_artifacts_kept_hashed_downloaded_and_resumed(tserver, pb, tmp_path):
    stub = jobs(tserver, pb)
    uid = run_artifact_job(tserver, pb, ["out/adapter_model.safetensors", "out/*.json", "missing.bin"])
    workspace = pathlib.Path(tserver.data) / "jobs" / uid / "workspace"
    original = (workspace / "out" / "adapter_model.safetensors").read_bytes()
    assert len(original) == 3000000

    r = stub.ListArtifacts(pb[0].ListArtifactsReq(uuid=uid, verify=True), timeout=10)
    by_name = {a.name: a for a in r.artifacts}
    assert set(by_name) == {"out/adapter_model.safetensors", "out/config.json"}, "the symlink is never followed"
    adapter = by_name["out/adapter_model.safetensors"]
    assert (adapter.size, adapter.sha256, adapter.state) == (len(original), hashlib.sha256(original).hexdigest(), "ok")
    assert dict(adapter.metadata) == {"job": uid, "backend": "local", "provider": "local",
                                      "command": "sh -c " + ARTIFACT_JOB}
    assert by_name["out/config.json"].sha256 == hashlib.sha256(b'{"r": 8, "alpha": 16}\n').hexdigest()
    log = b"".join(sdk(tserver).jobs.get_job_logs(uid)).decode()
    assert "artifact 'missing.bin' matched no regular file in the workspace" in log
    assert list(raw_status(tserver, uid).artifacts) == ["out/adapter_model.safetensors", "out/*.json", "missing.bin"]

    info, data = download(stub, pb, uid, "out/adapter_model.safetensors")
    assert data == original and (info.size, info.sha256) == (adapter.size, adapter.sha256)
    _, tail = download(stub, pb, uid, "out/adapter_model.safetensors", offset=1_234_567)
    assert tail == original[1_234_567:]
    _, nothing = download(stub, pb, uid, "out/adapter_model.safetensors", offset=len(original))
    assert nothing == b""
    viewer = jobs(tserver, pb, "viewer")
    assert download(viewer, pb, uid, "out/config.json")[1] == b'{"r": 8, "alpha": 16}\n'
    assert "outside" in rpc_fails(lambda: download(stub, pb, uid, "out/config.json", offset=999),
                                  grpc.StatusCode.INVALID_ARGUMENT)
    assert "rnx artifacts" in rpc_fails(lambda: download(stub, pb, uid, "out/leak.json"), grpc.StatusCode.NOT_FOUND)

    # rnx: list, download (hash verified), resume a partial file.
    listed = rnx(tserver, "artifacts", uid)
    assert listed.returncode == 0 and "out/adapter_model.safetensors" in listed.stdout and adapter.sha256 in listed.stdout
    target = tmp_path / "adapter.safetensors"
    got = rnx(tserver, "download", uid[:8], "out/adapter_model.safetensors", "-o", str(target))
    assert got.returncode == 0, got.stderr
    assert f"SHA-256 {adapter.sha256} verified" in got.stdout and target.read_bytes() == original
    target.write_bytes(original[:1_000_000])
    resumed = rnx(tserver, "download", "--resume", uid, "out/adapter_model.safetensors", "-o", str(target))
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at byte 1000000" in resumed.stdout and target.read_bytes() == original

    # The artifact outlives the workspace's copy, and goes with the job.
    (workspace / "out" / "adapter_model.safetensors").unlink()
    assert download(stub, pb, uid, "out/adapter_model.safetensors")[1] == original
    store = pathlib.Path(tserver.data) / "artifacts" / uid
    assert store.is_dir()
    sdk(tserver).jobs.delete_job(uid)
    assert not store.exists(), "DeleteJob removes the job's artifacts"


def test_download_right_at_the_end_waits_for_the_hash(tserver, pb):
    stub = jobs(tserver, pb)
    req = pb[0].RunJobRequest(command="sh", args=["-c", "head -c 200000000 /dev/urandom > model.bin"], artifacts=["model.bin"])
    uid = stub.RunJob(req, timeout=10).jobUuid
    wait_status(sdk(tserver), uid, timeout=60)
    info, data = download(stub, pb, uid, "model.bin")  # no waiting for "ok" first
    assert len(data) == 200000000 and info.sha256 == hashlib.sha256(data).hexdigest() and info.state == "ok"
    stub.DeleteJob(pb[0].DeleteJobReq(uuid=uid), timeout=10)


def test_hashes_missing_at_a_restart_are_computed(certs, workdir, stubs, pb):
    import sqlite3
    data = workdir / "data-training-hash-restart"
    server = start_jobletd(certs, data, log_path=workdir / "jobletd-training-hash-restart-0.log")
    try:
        stub = jobs(server, pb)
        uid = stub.RunJob(pb[0].RunJobRequest(command="sh", args=["-c", "echo weights > w.bin"], artifacts=["w.bin"]),
                          timeout=10).jobUuid
        wait_status(sdk(server), uid)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        # As if jobletd died between keeping the file and storing its hash.
        with sqlite3.connect(data / "joblet.db") as db:
            assert db.execute("UPDATE job_artifact SET sha256 = '' WHERE job_id = ?", (uid,)).rowcount == 1
        server = start_jobletd(certs, data, log_path=workdir / "jobletd-training-hash-restart-1.log")
        info, got = download(jobs(server, pb), pb, uid, "w.bin")
        assert got == b"weights\n" and info.sha256 == hashlib.sha256(b"weights\n").hexdigest()
    finally:
        stop_jobletd(server)


def test_corrupt_artifact_is_refused(tserver, pb, tmp_path):
    stub = jobs(tserver, pb)
    uid = run_artifact_job(tserver, pb, ["out/adapter_model.safetensors", "out/config.json"])
    stored = pathlib.Path(tserver.data) / "artifacts" / uid / "out" / "adapter_model.safetensors"
    data = bytearray(stored.read_bytes())
    data[1_500_000] ^= 0xFF  # same size, one byte changed
    stored.write_bytes(bytes(data))
    msg = rpc_fails(lambda: download(stub, pb, uid, "out/adapter_model.safetensors"), grpc.StatusCode.DATA_LOSS)
    assert "corrupt" in msg and "not served" in msg
    rpc_fails(lambda: download(stub, pb, uid, "out/adapter_model.safetensors", offset=2_000_000),
              grpc.StatusCode.DATA_LOSS)
    states = {a.name: a.state for a in stub.ListArtifacts(pb[0].ListArtifactsReq(uuid=uid, verify=True), timeout=10).artifacts}
    assert states == {"out/adapter_model.safetensors": "corrupt", "out/config.json": "ok"}
    cfg = pathlib.Path(tserver.data) / "artifacts" / uid / "out" / "config.json"
    cfg.write_bytes(b"{}")
    states = {a.name: a.state for a in stub.ListArtifacts(pb[0].ListArtifactsReq(uuid=uid), timeout=10).artifacts}
    assert states["out/config.json"] == "corrupt", "a size change shows without --verify"
    got = rnx(tserver, "download", uid, "out/adapter_model.safetensors", "-o", str(tmp_path / "x"))
    assert got.returncode != 0 and "corrupt" in got.stderr
    assert rnx(tserver, "artifacts", "--verify", uid).returncode == 1


def test_artifact_patterns_are_checked(tserver, pb):
    stub = jobs(tserver, pb)
    for bad in ("../etc/passwd", "/etc/passwd", "out/../x", ""):
        msg = rpc_fails(lambda: stub.RunJob(pb[0].RunJobRequest(command="true", artifacts=[bad]), timeout=10),
                        grpc.StatusCode.INVALID_ARGUMENT)
        assert "artifact pattern" in msg
    uid = stub.RunJob(pb[0].RunJobRequest(command="true"), timeout=10).jobUuid
    wait_status(sdk(tserver), uid)
    r = stub.ListArtifacts(pb[0].ListArtifactsReq(uuid=uid), timeout=10)
    assert list(r.artifacts) == [] and "named no artifacts" in r.note


# MARK: WatchJobs


def test_watch_one_job_and_all_jobs(tserver, pb):
    stub = jobs(tserver, pb)
    everything = stub.WatchJobs(pb[0].WatchJobsReq(), timeout=60)
    seen_all = []

    def collect():
        try:
            for e in everything:
                seen_all.append(e)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.CANCELLED

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    time.sleep(0.3)  # the all-jobs watch is subscribed before the job exists
    uid = stub.RunJob(pb[0].RunJobRequest(command="sh", args=["-c", TRAIN.replace("[ -e /work/hold ] || sleep 30", "")],
                                          name="train"), timeout=10).jobUuid
    one = list(stub.WatchJobs(pb[0].WatchJobsReq(uuid=uid[:8]), timeout=30))
    assert one[0].type == "status" and one[0].uuid == uid
    statuses = [e.status for e in one if e.type == "status"]
    assert statuses[-2:] == ["RUNNING", "COMPLETED"] or statuses[-1:] == ["COMPLETED"] and "RUNNING" in statuses[:1]
    assert one[-1].type == "ended" and one[-1].status == "COMPLETED"
    assert "COMPLETED: exit code 0" in one[-1].message and "(train)" in one[-1].message
    metric_steps = [e.metric.step for e in one if e.type == "metric" and e.metric.source == "log"]
    assert metric_steps == [100, 200, 300, 400, 500], "every sample, before the end notice"
    assert [dict(e.metric.values) for e in one if e.type == "metric" and e.metric.source == "file"] == [
        {"eval_loss": 0.25, "step": 500}]
    completed = [e for e in one if e.type == "status" and e.status == "COMPLETED"][0]
    assert completed.previous_status == "RUNNING" and completed.exit_code == 0

    deadline = time.monotonic() + 10
    while not any(e.type == "ended" and e.uuid == uid for e in seen_all):
        assert time.monotonic() < deadline, [(e.type, e.status) for e in seen_all]
        time.sleep(0.05)
    everything.cancel()
    reader.join(timeout=5)
    mine = [e for e in seen_all if e.uuid == uid]
    assert [e.status for e in mine if e.type == "status"][:1] == ["INITIALIZING"], "the all-jobs watch saw it created"
    assert [e.status for e in mine if e.type == "status"][-2:] == ["RUNNING", "COMPLETED"]
    assert len([e for e in mine if e.type == "metric"]) == 6

    # A finished job: its status, the samples stored, its end notice; then the stream ends.
    again = list(stub.WatchJobs(pb[0].WatchJobsReq(uuid=uid), timeout=10))
    assert [(e.type, e.status) for e in again] == [("status", "COMPLETED")] + [("metric", "")] * 6 + [("ended", "COMPLETED")]
    viewer = jobs(tserver, pb, "viewer")
    assert len(list(viewer.WatchJobs(pb[0].WatchJobsReq(uuid=uid), timeout=10))) == 8
    rpc_fails(lambda: list(stub.WatchJobs(pb[0].WatchJobsReq(uuid="ffffffff-none"), timeout=10)), grpc.StatusCode.NOT_FOUND)


def _stalled_watch(server):
    """A raw HTTP/2 WatchJobs call whose stream window is 64 bytes and that sends no WINDOW_UPDATE
    until told: what a client that stopped reading looks like to the server."""
    import socket
    import h2.config
    import h2.connection
    import h2.settings
    from conftest import admin_tls_context
    sock = admin_tls_context(server.certs).wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=10),
                                                       server_hostname="localhost")
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 64})
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":scheme", "https"), (":path", "/joblet.JobService/WatchJobs"),
                            (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers")])
    conn.send_data(sid, b"\x00\x00\x00\x00\x00", end_stream=True)  # an empty WatchJobsReq: every job
    sock.sendall(conn.data_to_send())
    return sock, conn, sid


def _read_watch_to_end(sock, conn, sid, message_type):
    """Opens the windows as data comes, until the trailers: (messages, grpc-status, grpc-message)."""
    import h2.events
    body, trailers = b"", None
    sock.settimeout(20)
    # Reading again: open the stream's window wide (64 bytes at a time would take minutes).
    conn.increment_flow_control_window(1 << 24, stream_id=sid)
    conn.increment_flow_control_window(1 << 24)
    sock.sendall(conn.data_to_send())
    while trailers is None:
        data = sock.recv(65536)
        assert data, "the connection closed before the trailers"
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.DataReceived):
                body += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                trailers = dict(ev.headers)
            elif isinstance(ev, h2.events.ResponseReceived) and "grpc-status" in dict(ev.headers):
                trailers = dict(ev.headers)  # trailers-only
        sock.sendall(conn.data_to_send())
    messages = []
    while body:
        n = int.from_bytes(body[1:5], "big")
        messages.append(message_type.FromString(body[5:5 + n]))
        body = body[5 + n:]
    sock.close()
    return messages, trailers.get("grpc-status"), urllib.parse.unquote(trailers.get("grpc-message", ""))


def test_a_watcher_that_does_not_read_is_ended_with_resource_exhausted_and_others_go_on(certs, workdir, stubs, pb):
    """server.watchBacklog bounds what jobletd holds for a watcher whose HTTP/2 window is full:
    once it reads again it gets the events it was held, then RESOURCE_EXHAUSTED; a watcher that
    reads gets every event, and the server goes on serving."""
    from jobhelpers import rfc3339_in
    data = workdir / "data-watch-backlog"
    data.mkdir()
    (workdir / "watch-backlog.yml").write_text("server:\n  watchBacklog: 200\n")
    s = start_jobletd(certs, data, "--config", str(workdir / "watch-backlog.yml"))
    try:
        sock, conn, sid = _stalled_watch(s)
        stub = jobs(s, pb)
        reading = stub.WatchJobs(pb[0].WatchJobsReq(), timeout=60)
        seen, ended = [], []

        def collect():
            try:
                for e in reading:
                    seen.append(e)
            except grpc.RpcError as e:
                ended.append(e)

        reader = threading.Thread(target=collect, daemon=True)
        reader.start()
        time.sleep(0.3)  # both subscribed
        # A job whose metric samples (60 keys each, ~2.7 KB as events) come in three bursts:
        # about 400 fill what the transport holds for the stalled stream (1 MiB), the rest wait in
        # its backlog (200; 8 × 200 for a watcher that reads), and a later burst finds it past its
        # backlog and stalled for more than 2 s. The last burst comes 5 s after the second: the
        # metrics collector reads a quiet log at most 2 s late, so the stall is seen by then.
        # A burst larger than the backlog does not end the watcher that reads.
        keys = ", ".join(f'\\"key_with_a_rather_long_name_{k:02d}\\": {k}.5' for k in range(60))
        burst = 'for i in $(seq {} {}); do echo "##joblet-metric {{\\"step\\": $i, ' + keys.replace("{", "{{").replace("}", "}}") + '}}"; done'
        script = f"{burst.format(1, 400)}; sleep 3; {burst.format(401, 800)}; sleep 5; {burst.format(801, 850)}"
        uid = stub.RunJob(pb[0].RunJobRequest(command="sh", args=["-c", script], name="chatty"), timeout=10).jobUuid
        deadline = time.monotonic() + 30
        while not any(e.type == "ended" and e.uuid == uid for e in seen):
            assert not ended and time.monotonic() < deadline, (len(seen), ended)
            time.sleep(0.05)
        metrics = [e.metric.step for e in seen if e.type == "metric" and e.uuid == uid]
        assert metrics == list(range(1, 851)), "the reading watcher got every sample, in order"
        got, status, message = _read_watch_to_end(sock, conn, sid, pb[0].JobWatchEvent)
        assert status == str(grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]), (status, message)
        assert "fell 200 events behind" in message and "watch again" in message, message
        # What it was sent came in order from the job's creation, and stopped short of the end.
        assert got[0].uuid == uid and got[0].type == "status", got[:1]
        steps = [e.metric.step for e in got if e.type == "metric"]
        assert steps == list(range(1, len(steps) + 1)) and 200 < len(steps) < 850, len(steps)
        assert not any(e.type == "ended" for e in got)
        reading.cancel()
        reader.join(timeout=5)
        assert [e.code() for e in ended] == [grpc.StatusCode.CANCELLED], ended
        assert [j.uuid for j in stub.ListJobs(pb[0].EmptyRequest(), timeout=10).jobs] == [uid], "the server still serves"
    finally:
        stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


def test_rnx_watch_renders_a_job_live(tserver, pb):
    client = sdk(tserver)
    script = "sleep 1\n" + TRAIN.replace("[ -e /work/hold ] || sleep 30", "exit 3")  # time for rnx to connect
    uid = client.jobs.run_job("sh", ["-c", script])["job_uuid"]
    out = rnx(tserver, "watch", uid)
    assert out.returncode == 1, "the job failed"
    lines = out.stdout.splitlines()
    assert any("metric step=100 epoch=1 loss=2.5 learning_rate=0.0002" in l for l in lines), out.stdout
    assert "ended: job" in lines[-1] and lines[-1].endswith("FAILED: exit code 3")
    assert all(l.split()[1] == uid[:8] for l in lines)
    client.close()


# MARK: any job anywhere (SkyPilot stand-in)

STANDIN = pathlib.Path(__file__).resolve().parents[1] / "skypilot" / "standin.py"


@pytest.fixture(scope="module")
def standin():
    import re
    import sys
    proc = subprocess.Popen([sys.executable, str(STANDIN), "--port", "0", "--heartbeat", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    m = re.match(r"PORT (\d+)", proc.stdout.readline())
    assert m, "stand-in did not start"
    yield f"http://127.0.0.1:{m.group(1)}"
    proc.terminate()
    proc.wait(timeout=10)




def sky_server(certs, workdir, name, endpoint, extra=""):
    cfg = workdir / f"{name}.yml"
    cfg.write_text(f"skypilot:\n  endpoint: {endpoint}\n  pollIntervalSeconds: 0.2\n  maxPollIntervalSeconds: 1\n{extra}")
    return start_jobletd(certs, workdir / f"data-{name}", "--config", str(cfg), log_path=workdir / f"jobletd-{name}.log")


@pytest.fixture(scope="module")
def skyserver(certs, workdir, stubs, standin):
    s = sky_server(certs, workdir, "training-sky", standin, "  artifactStore: s3://joblet-test/runs/\n")
    yield s
    stop_jobletd(s)


def launched_task(standin, uid):
    tasks = [j["task"] for j in control(standin, "/_standin/jobs")["jobs"] if j.get("job_name") == uid]
    assert len(tasks) == 1, f"job {uid} reached SkyPilot {len(tasks)} times"
    return tasks[0]


def test_cpu_job_with_infra_goes_to_skypilot(skyserver, standin, pb):
    stub = jobs(skyserver, pb)
    control(standin, "/_standin/scenario", {"name": "success"})
    uid = stub.RunJob(pb[0].RunJobRequest(command="python3", args=["etl.py", "--day", "2026-12-03"], maxCpu=400,
                                          maxMemory=8192, infra="k8s"), timeout=30).jobUuid
    client = sdk(skyserver)
    assert wait_status(client, uid, timeout=30)["status"] == "COMPLETED"
    assert raw_status(skyserver, uid).backend == "skypilot"
    task = launched_task(standin, uid)
    assert task == (f'name: "{uid}"\nresources:\n  cpus: 4+\n  memory: 8+\n  infra: "k8s"\n'
                    f'file_mounts:\n  /joblet-artifacts:\n    source: "s3://joblet-test/runs/{uid}"\n    mode: MOUNT\n'
                    'envs:\n  JOBLET_ARTIFACT_DIR: "/joblet-artifacts"\n'
                    "run: |\n  python3 etl.py --day 2026-12-03\n")
    note = stub.ListArtifacts(pb[0].ListArtifactsReq(uuid=uid), timeout=10).note
    assert f"writes its artifacts itself to s3://joblet-test/runs/{uid}" in note and "$JOBLET_ARTIFACT_DIR" in note
    # A local job next to it stays here.
    local = client.jobs.run_job("echo", ["here"])["job_uuid"]
    assert wait_status(client, local)["status"] == "COMPLETED"
    assert raw_status(skyserver, local).backend == "local"
    client.close()


def test_provider_names_map_onto_skypilots(skyserver, standin, pb):
    stub = jobs(skyserver, pb)
    for provider, infra in (("runpod", "runpod"), ("lambda", "lambda"), ("vastai", "vast")):
        control(standin, "/_standin/scenario", {"name": "success"})
        uid = stub.RunJob(pb[0].RunJobRequest(command="python3", args=["train.py"], gpu_count=1, infra=provider),
                          timeout=30).jobUuid
        assert wait_status(sdk(skyserver), uid, timeout=30)["status"] == "COMPLETED"
        assert f'infra: "{infra}"' in launched_task(standin, uid)
    # "local" is this host: no SkyPilot for it.
    uid = stub.RunJob(pb[0].RunJobRequest(command="echo", args=["hi"], infra="local"), timeout=30).jobUuid
    assert raw_status(skyserver, uid).backend == "local"

def test_skypilot_job_reports_metrics_through_its_log(skyserver, standin, pb):
    stub = jobs(skyserver, pb)
    control(standin, "/_standin/scenario", {
        "launch": {"delay": 0.1, "log": []},
        "timeline": [{"status": "PENDING", "after": 0, "log": []},
                     {"status": "RUNNING", "after": 0.2, "log": ['##joblet-metric {"step": 10, "loss": 1.5}', "epoch done"]},
                     {"status": "RUNNING", "after": 0.3, "log": ['##joblet-metric {"step": 20, "loss": 0.75}']},
                     {"status": "SUCCEEDED", "after": 0.3, "log": ["saved"]}]})
    uid = stub.RunJob(pb[0].RunJobRequest(command="python3", args=["train.py"], gpu_count=1), timeout=30).jobUuid
    assert wait_status(sdk(skyserver), uid, timeout=30)["status"] == "COMPLETED"
    deadline = time.monotonic() + 10
    while raw_status(skyserver, uid).training.samples < 2:
        assert time.monotonic() < deadline, raw_status(skyserver, uid)
        time.sleep(0.05)
    samples = stub.GetTrainingMetrics(pb[0].TrainingMetricsReq(uuid=uid), timeout=10).samples
    assert [(s.step, s.loss) for s in samples] == [(10, 1.5), (20, 0.75)]
    assert "no skypilot.artifactStore" not in stub.ListArtifacts(pb[0].ListArtifactsReq(uuid=uid), timeout=10).note


def test_skypilot_job_cannot_be_paused(skyserver, standin, pb):
    stub = jobs(skyserver, pb)
    control(standin, "/_standin/scenario", {"name": "long_running"})
    uid = stub.RunJob(pb[0].RunJobRequest(command="python3", args=["train.py"], gpu_count=1), timeout=30).jobUuid
    wait_status(sdk(skyserver), uid, ("RUNNING",), timeout=30)
    msg = rpc_fails(lambda: stub.PauseJob(pb[0].PauseJobReq(uuid=uid), timeout=10), grpc.StatusCode.FAILED_PRECONDITION)
    assert "'skypilot' backend, which cannot pause jobs" in msg
    sdk(skyserver).jobs.stop_job(uid)


def test_skypilot_errors_get_hints(skyserver, standin, pb):
    stub = jobs(skyserver, pb)
    client = sdk(skyserver)
    cases = [
        ({"launch": {"delay": 0.1, "log": [], "error": {"type": "NoCloudAccessError",
                                                         "message": "Cloud access is not set up. Run: sky check"}},
          "timeline": []}, "run 'sky check'"),
        ({"launch": {"delay": 0.1, "log": [], "error": {"type": "ValueError",
                                                         "message": "Catalog does not contain any instances satisfying the request"}},
          "timeline": []}, "sky show-gpus"),
        ({"launch": {"delay": 0.1, "log": []},
          "timeline": [{"status": "PENDING", "after": 0, "log": []},
                       {"status": "FAILED_NO_RESOURCE", "after": 0.2, "log": [],
                        "failure_reason": "Failed to provision all possible launchable resources."}]}, "could not allocate"),
    ]
    for scenario, hint in cases:
        control(standin, "/_standin/scenario", scenario)
        uid = stub.RunJob(pb[0].RunJobRequest(command="python3", args=["train.py"], infra="aws"), timeout=30).jobUuid
        st = wait_status(client, uid, timeout=30)
        assert st["status"] == "FAILED"
        reason = raw_status(skyserver, uid).reason
        assert "(hint: " in reason and hint in reason, reason
        log = b"".join(client.jobs.get_job_logs(uid)).decode()
        assert f"skypilot: hint: " in log and hint in log.split("skypilot: hint: ")[1]
    client.close()


def test_bad_artifact_store_is_refused_at_start(certs, workdir, stubs):
    with pytest.raises(RuntimeError):
        sky_server(certs, workdir, "training-sky-badstore", "http://127.0.0.1:9", "  artifactStore: ftp://nope\n")
    log = (workdir / "jobletd-training-sky-badstore.log").read_text()
    assert "skypilot.artifactStore 'ftp://nope' is not a bucket URL SkyPilot can mount" in log, log


def test_runjob_names_an_unreachable_or_old_skypilot(certs, workdir, stubs, pb):
    import http.server
    import socket
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    down = sky_server(certs, workdir, "training-sky-down", f"http://127.0.0.1:{port}")

    class OldServer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"status": "healthy", "api_version": "20", "version": "0.10.0"}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    old = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OldServer)
    threading.Thread(target=old.serve_forever, daemon=True).start()
    too_old = sky_server(certs, workdir, "training-sky-old", f"http://127.0.0.1:{old.server_address[1]}")
    try:
        msg = rpc_fails(lambda: jobs(down, pb).RunJob(pb[0].RunJobRequest(command="x", gpu_count=1), timeout=30),
                        grpc.StatusCode.UNAVAILABLE)
        assert f"SkyPilot API server http://127.0.0.1:{port}" in msg and "is unreachable" in msg
        assert sdk(down).jobs.list_jobs() == [], "nothing is stored"
        msg = rpc_fails(lambda: jobs(too_old, pb).RunJob(pb[0].RunJobRequest(command="x", infra="gcp"), timeout=30),
                        grpc.StatusCode.FAILED_PRECONDITION)
        assert "speaks API version 20" in msg and "oldest this jobletd supports" in msg
    finally:
        stop_jobletd(down)
        stop_jobletd(too_old)
        old.shutdown()
