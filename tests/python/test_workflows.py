"""Workflows through the official Joblet SDK (joblet-sdk-python 1.1.5) on a jobletd of this module's
own: both YAML dialects, requirement statuses, cancellation reasons, validation errors that store
nothing, StopWorkflow, roles, kill -9 of jobletd mid-workflow, and rnx's workflow commands."""
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import time

import grpc
import pytest

from conftest import crash_excerpt, BUILD, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, sdk, sdk_fails

TIME_LIMIT = 90
WF_FINAL = ("COMPLETED", "FAILED", "STOPPED")


@pytest.fixture(scope="module")
def wf_server(certs, workdir, stubs):
    s = start_jobletd(certs, workdir / "data-workflows")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


@pytest.fixture(scope="module")
def client(wf_server):
    c = sdk(wf_server)
    yield c
    c.close()


def wait_workflow(client, uuid, statuses=WF_FINAL, timeout=40.0):
    deadline = time.monotonic() + timeout
    while True:
        st = client.jobs.get_workflow_status(uuid)
        if st["workflow"]["status"] in statuses:
            return st
        assert time.monotonic() < deadline, f"workflow {uuid} still {st['workflow']['status']} after {timeout} s: {st['jobs']}"
        time.sleep(0.05)


def by_name(status):
    return {j["job_name"]: j for j in status["jobs"]}


def raw_stub(server, identity="admin"):
    import joblet_pb2_grpc
    ch = server.channel(identity)
    return ch, joblet_pb2_grpc.JobServiceStub(ch)


def workflow_rows(server, uuid=None):
    db = sqlite3.connect(str(server.data / "joblet.db"))
    try:
        if uuid:
            return db.execute("SELECT COUNT(*) FROM workflow WHERE id = ?", (uuid,)).fetchone()[0]
        return db.execute("SELECT COUNT(*) FROM workflow").fetchone()[0], db.execute("SELECT COUNT(*) FROM workflow_job").fetchone()[0]
    finally:
        db.close()


MAP_DIAMOND = """
name: diamond-map
environment:
  GREETING: hello
jobs:
  a:
    command: sh
    args: ["-c", "sleep 0.3; echo $GREETING"]
  b:
    command: sh
    args: ["-c", "sleep 0.3"]
    requires:
      - a: COMPLETED
  c:
    command: sh
    args: ["-c", "sleep 0.3"]
    requires:
      - a: "COMPLETED"
  d:
    command: "true"
    requires:
      - b: COMPLETED
      - c: COMPLETED
"""

LIST_DIAMOND = """
version: "1.0"
name: diamond-list
jobs:
  - name: a
    command: sh
    args: ["-c", "sleep 0.3"]
  - name: b
    command: sh
    args: ["-c", "sleep 0.3"]
    depends_on: ["a"]
  - name: c
    command: sh
    args: ["-c", "sleep 0.3"]
    depends_on: ["a"]
  - name: d
    command: "true"
    depends_on: ["b", "c"]
"""


@pytest.mark.parametrize("yaml_text,name", [(MAP_DIAMOND, "diamond-map"), (LIST_DIAMOND, "diamond-list")])
def test_diamond_in_each_dialect(client, yaml_text, name):
    started = client.jobs.run_workflow("diamond.yaml", yaml_content=yaml_text)
    assert started["status"] in ("RUNNING", "COMPLETED")
    st = wait_workflow(client, started["workflow_uuid"])
    info = st["workflow"]
    assert info["status"] == "COMPLETED", st
    assert info["workflow"] == name
    assert (info["total_jobs"], info["completed_jobs"], info["failed_jobs"], info["canceled_jobs"]) == (4, 4, 0, 0)
    assert info["yaml_content"] == yaml_text
    jobs = by_name(st)
    assert [j["job_name"] for j in st["jobs"]] == ["a", "b", "c", "d"]
    assert jobs["d"]["dependencies"] == ["b", "c"]
    for j in jobs.values():
        assert j["status"] == "COMPLETED" and j["exit_code"] == 0 and j["job_uuid"] != "0"
    # Start and end times prove the order: b and c after a ended, d after both ended.
    assert jobs["b"]["start_time"] >= jobs["a"]["end_time"]
    assert jobs["c"]["start_time"] >= jobs["a"]["end_time"]
    assert jobs["d"]["start_time"] >= max(jobs["b"]["end_time"], jobs["c"]["end_time"])
    # b and c ran at the same time (both started before either ended).
    assert max(jobs["b"]["start_time"], jobs["c"]["start_time"]) < min(jobs["b"]["end_time"], jobs["c"]["end_time"])
    # Each workflow job is a normal job: GetJobStatus and ListJobs show the workflow and dependencies.
    d = client.jobs.get_job_status(jobs["d"]["job_uuid"])
    assert d["workflow_uuid"] == info["uuid"] and d["dependencies"] == ["b", "c"] and d["name"] == "d"
    assert client.jobs.get_workflow_jobs(info["uuid"]) == st["jobs"]
    listed = [w for w in client.jobs.list_workflows(include_completed=True) if w["uuid"] == info["uuid"]]
    assert len(listed) == 1 and listed[0]["status"] == "COMPLETED"
    assert info["uuid"] not in [w["uuid"] for w in client.jobs.list_workflows(include_completed=False)]


def test_list_jobs_shows_workflow_fields(client, wf_server):
    import joblet_pb2
    wf = client.jobs.run_workflow("one", yaml_content="jobs:\n  only:\n    command: 'true'\n")["workflow_uuid"]
    st = wait_workflow(client, wf)
    uid = st["jobs"][0]["job_uuid"]
    ch, stub = raw_stub(wf_server)
    with ch:
        listed = [j for j in stub.ListJobs(joblet_pb2.EmptyRequest(), timeout=10).jobs if j.uuid == uid]
    assert len(listed) == 1 and listed[0].workflowUuid == wf and listed[0].name == "only"


def test_failed_job_cancels_dependents_with_reasons(client):
    yaml_text = """
jobs:
  a:
    command: sh
    args: ["-c", "exit 3"]
  b:
    command: "true"
    requires: [{a: COMPLETED}]
  c:
    command: "true"
    requires: [{b: COMPLETED}]
  cleanup:
    command: "true"
    requires: [{a: FAILED}]
  report:
    command: "true"
    requires: [{c: FINISHED}]
  always:
    command: "true"
    requires: [{a: FINISHED}]
"""
    wf = client.jobs.run_workflow("fail.yaml", yaml_content=yaml_text)["workflow_uuid"]
    st = wait_workflow(client, wf)
    jobs = by_name(st)
    assert st["workflow"]["status"] == "FAILED"
    assert jobs["a"]["status"] == "FAILED" and jobs["a"]["exit_code"] == 3
    assert jobs["b"]["status"] == "CANCELED" and jobs["b"]["job_uuid"] == "0"
    assert jobs["c"]["status"] == "CANCELED" and jobs["c"]["job_uuid"] == "0"
    # FAILED and FINISHED requirements hold when a fails; FINISHED on a cancelled job holds too.
    assert jobs["cleanup"]["status"] == "COMPLETED"
    assert jobs["always"]["status"] == "COMPLETED"
    assert jobs["report"]["status"] == "COMPLETED"
    assert st["workflow"]["failed_jobs"] == 1 and st["workflow"]["canceled_jobs"] == 2
    assert jobs["report"]["start_time"] is not None


def test_reasons_and_workflow_reason_through_own_stubs(client, wf_server):
    import joblet_pb2
    yaml_text = """
jobs:
  a:
    command: sh
    args: ["-c", "exit 3"]
  b:
    command: "true"
    requires: [{a: COMPLETED}]
  c:
    command: "true"
    requires: [{b: COMPLETED}]
"""
    wf = client.jobs.run_workflow("reasons", yaml_content=yaml_text)["workflow_uuid"]
    wait_workflow(client, wf)
    ch, stub = raw_stub(wf_server)
    with ch:
        r = stub.GetWorkflowStatus(joblet_pb2.GetWorkflowStatusRequest(workflowUuid=wf), timeout=10)
    jobs = {j.jobName: j for j in r.jobs}
    assert jobs["b"].reason == "not run: requires a COMPLETED, a ended FAILED (exit 3)"
    assert jobs["c"].reason == "not run: requires b COMPLETED, b ended CANCELED"
    assert r.workflow.status == "FAILED" and r.workflow.reason == "job 'a' FAILED (exit 3)"


def test_completed_when_jobs_were_skipped_by_their_requirement(client):
    yaml_text = """
jobs:
  a:
    command: "true"
  on_failure:
    command: "true"
    requires: [{a: FAILED}]
"""
    wf = client.jobs.run_workflow("skip", yaml_content=yaml_text)["workflow_uuid"]
    st = wait_workflow(client, wf)
    assert st["workflow"]["status"] == "COMPLETED"
    assert by_name(st)["on_failure"]["status"] == "CANCELED"


@pytest.mark.parametrize("yaml_text,files,expected", [
    ("jobs:\n  a:\n    command: 'true'\n    requires: [{b: COMPLETED}]\n  b:\n    command: 'true'\n    requires: [{a: COMPLETED}]\n",
     None, "dependency cycle: a -> b -> a"),
    ("jobs:\n  a:\n    command: 'true'\n    requires: [{ghost: COMPLETED}]\n", None,
     "job 'a' requires unknown job 'ghost' (line 4, column 17)"),
    ("jobs:\n  a:\n    command: 'true'\n    uploads:\n      files: [data.csv]\n", None,
     "job 'a' uploads file 'data.csv' (line 5, column 15), which is not among the workflow's files"),
    ("jobs:\n  a:\n    command: 'true'\n  a:\n    command: 'true'\n", None, "duplicate key(s) 'a' (line 4, column 3; first at line 2)"),
    ("jobs: [{name: a, command: 'true'}, {name: a, command: 'true'}]\n", None, "duplicate job name 'a'"),
    ("jobs:\n  a:\n    command: 'true'\n   bad: [\n", None, "invalid workflow YAML at line"),
    ("jobs:\n  a:\n    command: 'true'\n    environment: {K: v}\n    secret_environment: {K: s}\n", None,
     "job 'a': environment variable K is in both environment and secret_environment"),
    ("jobs:\n  a:\n    command: 'true'\n    resources: {max_cpu: -5}\n", None, "job 'a' (line 2, column 3): maxCPU is negative (-5)"),
    ("jobs:\n  a:\n    command: 'true'\n    requires: [{a: DONE}]\n", None, "not a status a job can require"),
])
def test_invalid_workflows_store_nothing(client, wf_server, yaml_text, files, expected):
    before = workflow_rows(wf_server)
    msg = sdk_fails(client.jobs.run_workflow, grpc.StatusCode.INVALID_ARGUMENT, "bad.yaml",
                    yaml_content=yaml_text, workflow_files=files)
    assert expected in msg, msg
    assert workflow_rows(wf_server) == before


def test_uploads_from_workflow_files(client):
    yaml_text = """
jobs:
  show:
    command: sh
    args: ["-c", "cat data/in.txt tool.sh"]
    uploads:
      files: [tool.sh]
      directories: [data]
"""
    files = [{"path": "tool.sh", "content": b"echo tool\n", "mode": 0o755},
             {"path": "data", "is_directory": True, "mode": 0o755},
             {"path": "data/in.txt", "content": b"input data\n"},
             {"path": "unused.txt", "content": b"not taken\n"}]
    wf = client.jobs.run_workflow("up", yaml_content=yaml_text, workflow_files=files)["workflow_uuid"]
    st = wait_workflow(client, wf)
    assert st["workflow"]["status"] == "COMPLETED", st
    uid = st["jobs"][0]["job_uuid"]
    out = b"".join(client.jobs.get_job_logs(uid)).decode()
    assert "input data" in out and "echo tool" in out
    assert sorted(client.jobs.get_job_status(uid)["uploads"]) == ["data", "data/in.txt", "tool.sh"]


def test_stop_workflow(client, wf_server):
    import joblet_pb2
    yaml_text = """
jobs:
  long:
    command: sleep
    args: ["30"]
  after:
    command: "true"
    requires: [{long: COMPLETED}]
"""
    wf = client.jobs.run_workflow("stop", yaml_content=yaml_text)["workflow_uuid"]
    deadline = time.monotonic() + 10
    while by_name(client.jobs.get_workflow_status(wf))["long"]["status"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ch, stub = raw_stub(wf_server)
    with ch:
        r = stub.StopWorkflow(joblet_pb2.StopWorkflowRequest(workflowUuid=wf), timeout=20)
        assert r.status == "STOPPED"
        with pytest.raises(grpc.RpcError) as again:
            stub.StopWorkflow(joblet_pb2.StopWorkflowRequest(workflowUuid=wf), timeout=20)
        assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "workflow is not running" in again.value.details()
    st = client.jobs.get_workflow_status(wf)
    jobs = by_name(st)
    assert st["workflow"]["status"] == "STOPPED"
    assert jobs["long"]["status"] == "STOPPED"
    assert jobs["after"]["status"] == "CANCELED" and jobs["after"]["job_uuid"] == "0"


def test_viewer_reads_but_may_not_run_or_stop(client, wf_server):
    import joblet_pb2
    wf = client.jobs.run_workflow("v", yaml_content="jobs:\n  a:\n    command: 'true'\n")["workflow_uuid"]
    wait_workflow(client, wf)
    viewer = sdk(wf_server, "viewer")
    try:
        assert viewer.jobs.get_workflow_status(wf)["workflow"]["status"] == "COMPLETED"
        assert wf in [w["uuid"] for w in viewer.jobs.list_workflows(include_completed=True)]
        assert len(viewer.jobs.get_workflow_jobs(wf)) == 1
        msg = sdk_fails(viewer.jobs.run_workflow, grpc.StatusCode.PERMISSION_DENIED, "x",
                        yaml_content="jobs:\n  a:\n    command: 'true'\n")
        assert "role viewer is not allowed to perform operation run_workflow" in msg
    finally:
        viewer.close()
    ch, stub = raw_stub(wf_server, "viewer")
    with ch:
        with pytest.raises(grpc.RpcError) as denied:
            stub.StopWorkflow(joblet_pb2.StopWorkflowRequest(workflowUuid=wf), timeout=10)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_unknown_workflow_is_not_found(client):
    msg = sdk_fails(client.jobs.get_workflow_status, grpc.StatusCode.NOT_FOUND, "00000000-dead")
    assert "workflow not found: 00000000-dead" in msg


def test_secrets_reach_the_job_but_are_never_shown(client):
    secret = "wf-s3cr3t-" + os.urandom(6).hex()
    yaml_text = f"""
secret_environment:
  TOKEN: "{secret}"
environment:
  MODE: fast
jobs:
  show:
    command: sh
    args: ["-c", "echo token=$TOKEN mode=$MODE; echo $TOKEN | rev"]
"""
    wf = client.jobs.run_workflow("secret", yaml_content=yaml_text)["workflow_uuid"]
    st = wait_workflow(client, wf)
    assert st["workflow"]["status"] == "COMPLETED", st
    assert secret not in st["workflow"]["yaml_content"] and 'TOKEN: "***"' in st["workflow"]["yaml_content"]
    uid = st["jobs"][0]["job_uuid"]
    # Logs mask secret values (docs/security.md); the reversed value proves the job had the real one.
    assert b"".join(client.jobs.get_job_logs(uid)).decode() == f"token=*** mode=fast\n{secret[::-1]}\n"
    job = client.jobs.get_job_status(uid)
    assert job["secret_environment"] == {"TOKEN": "***"} and job["environment"] == {"MODE": "fast"}


# MARK: restart

def test_kill9_mid_workflow_and_restart(certs, workdir, stubs):
    """jobletd dies (-9) while `first` runs and `second`..`third` wait; the next jobletd re-adopts
    `first`, starts the waiting jobs when it ends, and runs nothing twice."""
    data = workdir / "data-workflow-restart"
    server = start_jobletd(certs, data)
    servers = [server]
    try:
        c = sdk(server)
        yaml_text = """
jobs:
  first:
    command: sh
    args: ["-c", "sleep 2"]
  second:
    command: sh
    args: ["-c", "echo second"]
    requires: [{first: COMPLETED}]
  third:
    command: sh
    args: ["-c", "echo third"]
    requires: [{second: COMPLETED}]
  never:
    command: "true"
    requires: [{first: FAILED}]
"""
        wf = c.jobs.run_workflow("restart", yaml_content=yaml_text)["workflow_uuid"]
        deadline = time.monotonic() + 10
        while by_name(c.jobs.get_workflow_status(wf))["first"]["status"] != "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        c.close()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        time.sleep(2.5)  # `first` ends while no jobletd is there
        server = start_jobletd(certs, data, "--address", f"127.0.0.1:{server.port}")
        servers.append(server)
        c = sdk(server)
        st = wait_workflow(c, wf)
        jobs = by_name(st)
        assert st["workflow"]["status"] == "COMPLETED", st
        assert [jobs[n]["status"] for n in ("first", "second", "third", "never")] == \
            ["COMPLETED", "COMPLETED", "COMPLETED", "CANCELED"]
        assert jobs["third"]["start_time"] >= jobs["second"]["end_time"] >= jobs["first"]["end_time"]
        # Nothing ran twice: this server's data directory holds exactly the three jobs that ran,
        # with the ids the workflow shows, and each wrote its line once.
        assert sorted(j["uuid"] for j in c.jobs.list_jobs()) == sorted(jobs[n]["job_uuid"] for n in ("first", "second", "third"))
        assert b"".join(c.jobs.get_job_logs(jobs["second"]["job_uuid"])).decode() == "second\n"
        assert b"".join(c.jobs.get_job_logs(jobs["third"]["job_uuid"])).decode() == "third\n"
        # Nothing left RUNNING.
        assert wf not in [w["uuid"] for w in c.jobs.list_workflows(include_completed=False)]
        c.close()
    finally:
        for s in servers:
            stop_jobletd(s)


def test_restart_while_jobs_wait_and_run(certs, workdir, stubs):
    """kill -9 while a job runs and its dependents wait; after restart the running one is
    re-adopted (it keeps its id and ends once), and the dependents start from the new jobletd."""
    data = workdir / "data-workflow-restart2"
    server = start_jobletd(certs, data)
    servers = [server]
    try:
        c = sdk(server)
        yaml_text = """
jobs:
  slow:
    command: sh
    args: ["-c", "sleep 3; echo slow done"]
  next:
    command: sh
    args: ["-c", "echo next"]
    requires: [{slow: COMPLETED}]
"""
        wf = c.jobs.run_workflow("restart2", yaml_content=yaml_text)["workflow_uuid"]
        deadline = time.monotonic() + 10
        while by_name(c.jobs.get_workflow_status(wf))["slow"]["status"] != "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        slow_id = by_name(c.jobs.get_workflow_status(wf))["slow"]["job_uuid"]
        c.close()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        server = start_jobletd(certs, data, "--address", f"127.0.0.1:{server.port}")
        servers.append(server)
        c = sdk(server)
        mid = by_name(c.jobs.get_workflow_status(wf))
        assert mid["slow"]["status"] == "RUNNING" and mid["next"]["job_uuid"] == "0"
        st = wait_workflow(c, wf)
        jobs = by_name(st)
        assert st["workflow"]["status"] == "COMPLETED", st
        assert jobs["slow"]["job_uuid"] == slow_id
        assert b"".join(c.jobs.get_job_logs(slow_id)).decode() == "slow done\n"
        assert b"".join(c.jobs.get_job_logs(jobs["next"]["job_uuid"])).decode() == "next\n"
        c.close()
    finally:
        for s in servers:
            stop_jobletd(s)


# MARK: rnx

def rnx(server, *args, identity="admin", cwd=None, timeout=60):
    binary = BUILD / "rnx"
    assert binary.exists(), f"{binary} missing: run swift build first"
    flags = ["--server", server.target, "--cert", str(server.certs / f"{identity}-client-cert.pem"),
             "--key", str(server.certs / f"{identity}-client-key.pem"), "--ca", str(server.certs / "ca-cert.pem")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBLET_") and k != "RNX_CONFIG"}
    return subprocess.run([str(binary), *flags, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)


@pytest.fixture
def project(tmp_path):
    """A workflow YAML in a folder with the files it uploads (a file and a directory)."""
    folder = tmp_path / "project"
    (folder / "lib").mkdir(parents=True)
    (folder / "prepare.sh").write_text("echo prepared\n")
    (folder / "prepare.sh").chmod(0o755)
    (folder / "lib" / "data.txt").write_text("library data\n")
    (folder / "pipeline.yaml").write_text("""
name: rnx-pipeline
jobs:
  prepare:
    command: sh
    args: ["prepare.sh"]
    uploads:
      files: [prepare.sh]
  use:
    command: cat
    args: ["lib/data.txt"]
    uploads:
      directories: [lib]
    requires:
      - prepare: COMPLETED
  skipped:
    command: "true"
    requires:
      - prepare: FAILED
""")
    return folder


def test_rnx_workflow_run_status_list(wf_server, project, tmp_path):
    # Run from another folder: uploads are found relative to the YAML's folder.
    r = rnx(wf_server, "workflow", "run", "--watch", str(project / "pipeline.yaml"), cwd=str(tmp_path))
    assert r.returncode == 0, r
    assert "Status: COMPLETED" in r.stdout
    header = [line for line in r.stdout.splitlines() if line.startswith("JOB ID")]
    assert header and header[-1].split() == ["JOB", "ID", "NAME", "STATUS", "EXIT", "DEPENDENCIES"]
    wf = re_uuid(r.stdout.split("Workflow: ", 1)[1])
    r = rnx(wf_server, "workflow", "status", wf[:8])
    assert r.returncode == 0, r
    rows = {line.split()[1]: line.split() for line in r.stdout.splitlines()
            if line.split()[:1] and line.split()[1:2] in (["prepare"], ["use"], ["skipped"])}
    assert rows["prepare"][2:] == ["COMPLETED", "0", "-"]
    assert rows["use"][2:] == ["COMPLETED", "0", "prepare"]
    assert rows["skipped"] == ["-", "skipped", "CANCELED", "-", "prepare"]
    assert "skipped: not run: requires prepare FAILED, prepare ended COMPLETED" in r.stdout
    js = json.loads(rnx(wf_server, "workflow", "status", "--json", wf).stdout)
    assert js["status"] == "COMPLETED" and js["name"] == "rnx-pipeline"
    use = [j for j in js["jobs"] if j["name"] == "use"][0]
    c = sdk(wf_server)
    try:
        assert b"".join(c.jobs.get_job_logs(use["job_id"])) == b"library data\n"
        prep = [j for j in js["jobs"] if j["name"] == "prepare"][0]
        assert b"".join(c.jobs.get_job_logs(prep["job_id"])) == b"prepared\n"
    finally:
        c.close()
    listed = json.loads(rnx(wf_server, "workflow", "list", "--all", "--json").stdout)
    assert wf in [w["id"] for w in listed]
    assert wf[:8] in rnx(wf_server, "workflow", "list", "--all").stdout
    assert wf not in [w["id"] for w in json.loads(rnx(wf_server, "workflow", "list", "--json").stdout)]


def test_rnx_run_workflow_and_stop(wf_server, tmp_path):
    (tmp_path / "slow.yaml").write_text("jobs:\n  wait:\n    command: sleep\n    args: ['30']\n  after:\n    command: 'true'\n    requires: [{wait: COMPLETED}]\n")
    r = rnx(wf_server, "run", "--workflow", str(tmp_path / "slow.yaml"))
    assert r.returncode == 0, r
    wf = re_uuid(r.stdout)
    deadline = time.monotonic() + 10
    while "RUNNING" not in rnx(wf_server, "workflow", "status", wf).stdout.split("JOB ID")[1]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    r = rnx(wf_server, "workflow", "stop", "--json", wf)
    assert r.returncode == 0 and json.loads(r.stdout) == {"workflow_id": wf, "status": "STOPPED"}, r
    r = rnx(wf_server, "workflow", "stop", wf)
    assert r.returncode == 1 and "workflow is not running" in r.stderr
    # A missing upload is named before anything is sent; a viewer may not run workflows.
    (tmp_path / "missing.yaml").write_text("jobs:\n  a:\n    command: 'true'\n    uploads: {files: [nope.txt]}\n")
    r = rnx(wf_server, "workflow", "run", str(tmp_path / "missing.yaml"))
    assert r.returncode == 1 and "workflow upload 'nope.txt' not found" in r.stderr, r
    r = rnx(wf_server, "workflow", "run", str(tmp_path / "slow.yaml"), identity="viewer")
    assert r.returncode == 1 and "role viewer is not allowed to perform operation run_workflow" in r.stderr, r
    assert rnx(wf_server, "workflow", "status", wf, identity="viewer").returncode == 0


def re_uuid(text):
    import re
    m = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text)
    assert m, text
    return m.group(0)


def test_rnx_joblet_spellings_status_and_list_workflow(wf_server, tmp_path):
    """Joblet's documentation spells these `rnx status --workflow ID` and `rnx list --workflow`."""
    (tmp_path / "one.yaml").write_text("jobs:\n  only:\n    command: 'true'\n")
    r = rnx(wf_server, "run", "--workflow=" + str(tmp_path / "one.yaml"), "--follow")
    assert r.returncode == 0 and "Status: COMPLETED" in r.stdout, r
    wf = re_uuid(r.stdout)
    r = rnx(wf_server, "status", "--workflow", wf)
    assert r.returncode == 0 and "only" in r.stdout and "JOB ID" in r.stdout, r
    assert wf[:8] in rnx(wf_server, "list", "--workflow").stdout


def test_kill9_during_launches_runs_nothing_twice(certs, workdir, stubs):
    """kill -9 while 40 parallel jobs are being launched; after restart the workflow ends, every
    workflow job has at most one job record, and the jobs that ran are exactly those records."""
    data = workdir / "data-workflow-restart3"
    server = start_jobletd(certs, data)
    servers = [server]
    try:
        c = sdk(server)
        lines = ["jobs:", "  root:", "    command: 'true'"]
        for i in range(40):
            lines += [f"  p{i}:", "    command: sh", "    args: ['-c', 'sleep 0.3']", "    requires: [{root: COMPLETED}]"]
        lines += ["  join:", "    command: 'true'", "    requires:"] + [f"      - p{i}: FINISHED" for i in range(40)]
        wf = c.jobs.run_workflow("wide", yaml_content="\n".join(lines) + "\n")["workflow_uuid"]
        deadline = time.monotonic() + 10
        while sum(j["job_uuid"] != "0" for j in c.jobs.get_workflow_status(wf)["jobs"]) < 5:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        c.close()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
        server = start_jobletd(certs, data, "--address", f"127.0.0.1:{server.port}")
        servers.append(server)
        c = sdk(server)
        st = wait_workflow(c, wf, timeout=60)
        started = [j["job_uuid"] for j in st["jobs"] if j["job_uuid"] != "0"]
        assert len(started) == len(set(started))
        assert sorted(j["uuid"] for j in c.jobs.list_jobs()) == sorted(started)
        assert all(j["status"] in ("COMPLETED", "FAILED", "CANCELED") for j in st["jobs"]), st["jobs"]
        # The join requires FINISHED of each: whatever the kill did to a launch, it ran once.
        assert by_name(st)["join"]["status"] == "COMPLETED", st["jobs"]
        assert wf not in [w["uuid"] for w in c.jobs.list_workflows(include_completed=False)]
        c.close()
    finally:
        for s in servers:
            stop_jobletd(s)
