"""Restart survival: jobletd killed (-9) or stopped (TERM) while jobs run and write; the jobs
keep running, and the next jobletd on the same data directory and port re-adopts them with
complete status, exit codes and logs. Each test has its own jobletd."""
import os
import pathlib
import signal
import threading
import time
import uuid as uuidlib

import pytest

from conftest import crash_excerpt, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, logs, parse_rfc3339, raw_status, rfc3339_in, sdk, wait_status

COUNT = 100  # counter lines, one every 50 ms: about 5 s of output


def counter(exit_code=0, count=COUNT):
    return ["-c", f"i=0; while [ $i -lt {count} ]; do echo $i; i=$((i+1)); sleep 0.05; done; exit {exit_code}"]


@pytest.fixture
def fresh(certs, workdir, stubs, request):
    """A jobletd with a data directory of this test's own; restarted servers are stopped too."""
    data = workdir / f"data-restart-{request.node.name}"
    servers = [start_jobletd(certs, data, log_path=workdir / f"jobletd-{request.node.name}-0.log")]
    yield servers
    for s in servers:
        stop_jobletd(s)


def restart(servers, workdir):
    old = servers[-1]
    assert not old.alive()
    s = start_jobletd(old.certs, old.data, "--address", f"127.0.0.1:{old.port}",
                      log_path=workdir / f"{pathlib.Path(old.log.name).stem[:-2]}-{len(servers)}.log")
    servers.append(s)
    assert s.port == old.port
    return s


def log_file(server, uid):
    return server.data / "logs" / f"{uid}.log"


def kill9(server):
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)


def assert_counter_complete(text, count=COUNT):
    assert text.split("\n") == [str(i) for i in range(count)] + [""], \
        f"log is not exactly 0..{count - 1}: {len(text.splitlines())} lines, tail {text[-60:]!r}"


def survive(fresh, workdir, stop):
    client = sdk(fresh[0])
    codes = {0: None, 3: None}
    extra = client.jobs.run_job("sh", counter(0))["job_uuid"]
    for code in codes:
        codes[code] = client.jobs.run_job("sh", counter(code))["job_uuid"]
    ids = list(codes.values()) + [extra]
    for uid in ids:
        wait_status(client, uid, ("RUNNING",), timeout=5)
    time.sleep(1.0)
    client.close()
    stop(fresh[0])
    # The jobs keep running and writing while no jobletd is there.
    sizes = {uid: log_file(fresh[0], uid).stat().st_size for uid in ids}
    time.sleep(1.0)
    for uid in ids:
        grew = log_file(fresh[0], uid).stat().st_size - sizes[uid]
        assert grew > 0, f"job {uid} wrote nothing while jobletd was down"
    server = restart(fresh, workdir)
    client = sdk(server)
    try:
        for uid in ids:
            assert client.jobs.get_job_status(uid)["status"] == "RUNNING"
        # A reader attached right after the restart follows the adopted job to its end.
        followed = {}
        reader = threading.Thread(target=lambda: followed.setdefault(extra, logs(client, extra)))
        reader.start()
        for code, uid in codes.items():
            st = wait_status(client, uid, timeout=20)
            assert (st["status"], st["exit_code"]) == ("COMPLETED" if code == 0 else "FAILED", code), st
            assert_counter_complete(logs(client, uid).decode())
        reader.join(timeout=20)
        assert wait_status(client, extra, timeout=5)["status"] == "COMPLETED"
        assert_counter_complete(followed[extra].decode())
        assert raw_status(server, codes[3]).reason == "exited with code 3"
    finally:
        client.close()


def test_kill9_while_jobs_write_then_readopt(fresh, workdir):
    survive(fresh, workdir, kill9)


def test_sigterm_leaves_jobs_running_then_readopt(fresh, workdir):
    def term(server):
        stop_jobletd(server)
        assert server.proc.returncode == 0, crash_excerpt(server)
    survive(fresh, workdir, term)


def pids_with(marker):
    """Host pids whose command line contains `marker` (the job's processes seen from outside)."""
    found = []
    for d in pathlib.Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if marker.encode() in (d / "cmdline").read_bytes():
                    found.append(int(d.name))
            except OSError:
                pass
    return found


def test_job_killed_while_server_down_ends_failed(fresh, workdir):
    client = sdk(fresh[0])
    marker = f"marker-{uuidlib.uuid4().hex}"
    uid = client.jobs.run_job("sh", ["-c", f"echo started {marker}; sleep 60"])["job_uuid"]
    survivor = client.jobs.run_job("sh", counter(0, count=40))["job_uuid"]
    wait_status(client, uid, ("RUNNING",), timeout=5)
    client.close()
    kill9(fresh[0])
    pids = pids_with(marker)
    assert pids, "the job's process is not visible on the host"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    server = restart(fresh, workdir)
    client = sdk(server)
    try:
        st = wait_status(client, uid, timeout=10)
        reason = raw_status(server, uid).reason
        print(f"killed while down: {st['status']} exit {st['exit_code']} reason {reason!r}")
        assert st["status"] == "FAILED" and st["end_time"], st
        assert reason and ("signal 9" in reason or "while jobletd was not watching" in reason), reason
        assert b"started" in logs(client, uid)
        # The other job was not harmed and is still watched to its end.
        st2 = wait_status(client, survivor, timeout=20)
        assert st2["status"] == "COMPLETED"
        assert_counter_complete(logs(client, survivor).decode(), count=40)
        assert all(j["status"] != "RUNNING" for j in client.jobs.list_jobs())
    finally:
        client.close()


def test_scheduled_job_survives_restart_and_runs_at_its_time(fresh, workdir):
    client = sdk(fresh[0])
    job = client.jobs.run_job("echo", ["on time"], schedule=rfc3339_in(4))
    uid = job["job_uuid"]
    assert job["status"] == "SCHEDULED"
    client.close()
    kill9(fresh[0])
    time.sleep(0.5)
    server = restart(fresh, workdir)
    client = sdk(server)
    try:
        st = client.jobs.get_job_status(uid)
        assert st["status"] == "SCHEDULED" and st["scheduled_time"] == job["scheduled_time"]
        st = wait_status(client, uid, timeout=10)
        assert st["status"] == "COMPLETED", st
        late = (parse_rfc3339(st["start_time"]) - parse_rfc3339(st["scheduled_time"])).total_seconds()
        print(f"scheduled job started {late:.3f} s after its time")
        assert 0 <= late < 1.0
        assert logs(client, uid) == b"on time\n"
    finally:
        client.close()


def test_scheduled_job_due_while_server_down_runs_on_restart(fresh, workdir):
    client = sdk(fresh[0])
    job = client.jobs.run_job("echo", ["overdue"], schedule=rfc3339_in(2))
    uid = job["job_uuid"]
    client.close()
    kill9(fresh[0])
    time.sleep(3.0)  # its time passes while no jobletd is there
    server = restart(fresh, workdir)
    client = sdk(server)
    try:
        st = wait_status(client, uid, timeout=5)
        assert st["status"] == "COMPLETED", st
        assert parse_rfc3339(st["start_time"]) >= parse_rfc3339(st["scheduled_time"])
        assert logs(client, uid) == b"overdue\n"
    finally:
        client.close()


def _as_stored_not_started(server, uid):
    """What jobletd leaves when it dies after storing a job and before starting its process: the
    row INITIALIZING with no backend state (made here from a scheduled job's row, which is that
    already minus the status: nothing of it ever ran)."""
    import sqlite3
    db = sqlite3.connect(str(server.data / "joblet.db"))
    try:
        with db:
            n = db.execute("UPDATE job SET status = 'INITIALIZING', scheduled_at = NULL WHERE id = ? AND backend_state IS NULL",
                           (uid,)).rowcount
        assert n == 1
    finally:
        db.close()


def test_job_stored_but_never_started_runs_once_after_restart(fresh, workdir):
    client = sdk(fresh[0])
    uid = client.jobs.run_job("sh", ["-c", "echo ran once; cat /work/in.txt"], schedule=rfc3339_in(3600),
                              uploads=[{"path": "in.txt", "content": b"uploaded\n"}])["job_uuid"]
    client.close()
    kill9(fresh[0])
    _as_stored_not_started(fresh[0], uid)
    server = restart(fresh, workdir)
    client = sdk(server)
    try:
        st = wait_status(client, uid, timeout=10)
        assert st["status"] == "COMPLETED" and st["exit_code"] == 0, (st, raw_status(server, uid).reason)
        assert logs(client, uid) == b"ran once\nuploaded\n"
    finally:
        client.close()


def test_job_whose_process_had_started_is_not_run_again(fresh, workdir):
    # Its handle was never stored, but its exit status is there: it ran. It ends FAILED, not twice.
    client = sdk(fresh[0])
    uid = client.jobs.run_job("sh", ["-c", "echo ran"])["job_uuid"]
    assert wait_status(client, uid)["status"] == "COMPLETED"
    client.close()
    kill9(fresh[0])
    import sqlite3
    db = sqlite3.connect(str(fresh[0].data / "joblet.db"))
    with db:
        db.execute("UPDATE job SET status = 'INITIALIZING', backend_state = NULL, exit_code = NULL, ended_at = NULL WHERE id = ?", (uid,))
    db.close()
    server = restart(fresh, workdir)
    client = sdk(server)
    try:
        st = wait_status(client, uid, timeout=10)
        assert st["status"] == "FAILED", st
        assert raw_status(server, uid).reason == \
            "jobletd stopped while the job was starting; it may have run in part, so it was not started again"
        assert logs(client, uid).count(b"ran\n") == 1
    finally:
        client.close()
