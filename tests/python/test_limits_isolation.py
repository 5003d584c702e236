"""Limits and isolation for real (cgroup v1 hybrid here, as root): memory, CPU share, pids, and
what a job can see. The server's data and certificates live outside /tmp (a job has its own
/tmp) so that "cannot see them" is tested against paths that exist on the host."""
import pathlib
import shutil
import tempfile
import time

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, logs, raw_status, run_to_end, sdk, wait_status


@pytest.fixture(scope="module")
def iso_server(certs, stubs):
    base = pathlib.Path(tempfile.mkdtemp(prefix="jobletd-pytest-iso-", dir="/var/tmp"))
    shutil.copytree(certs, base / "certs")
    s = start_jobletd(base / "certs", base / "data")
    yield s
    stop_jobletd(s)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def client(iso_server):
    c = sdk(iso_server)
    yield c
    c.close()


def test_memory_limit_oom_kill_is_named(client, iso_server):
    st, out = run_to_end(client, "python3", ["-c", "b = b'x' * (512 << 20); print('allocated', len(b))"], max_memory=64)
    assert st["status"] == "FAILED", (st, out)
    assert "allocated" not in out
    assert st["exit_code"] != 0
    reason = raw_status(iso_server, st["uuid"]).reason
    assert "killed: out of memory (limit 64 MB)" in reason, reason
    print(f"OOM: exit {st['exit_code']}, reason {reason!r}")


def test_cpu_limit_20_percent_of_one_core(client):
    prog = ("import time\n"
            "w0, c0 = time.monotonic(), time.process_time()\n"
            "while time.monotonic() - w0 < 3.0: pass\n"
            "print('share %.3f' % ((time.process_time() - c0) / (time.monotonic() - w0)))\n")
    st, out = run_to_end(client, "python3", ["-c", prog], max_cpu=20)
    assert st["status"] == "COMPLETED", (st, out)
    share = float(out.split("share ")[1])
    print(f"busy loop at maxCPU=20: {share:.3f} of a core")
    assert 0.10 <= share <= 0.30, f"CPU share {share:.3f} is not about 20 %"


def test_io_limit_throttles_writes_to_the_workspace(client):
    limit = 5 * 1024 * 1024
    st, out = run_to_end(client, "sh", ["-c", "dd if=/dev/zero of=/work/f bs=1M count=10 oflag=direct 2>&1 | tail -1"],
                         max_iobps=limit)
    assert st["status"] == "COMPLETED", (st, out)
    seconds = float(out.split("copied, ")[1].split(" s")[0])
    rate = 10 * 1024 * 1024 / seconds
    print(f"direct writes at maxIOBPS=5 MiB/s: {rate / 1048576:.2f} MiB/s")
    assert rate <= 1.3 * limit, f"{rate:.0f} B/s is well over the {limit} B/s limit"


def test_fork_bomb_is_contained_and_server_unaffected(client, iso_server):
    bomb = client.jobs.run_job("bash", ["-c", "bomb() { bomb | bomb & }; bomb; sleep 30"], max_cpu=50)
    uid = bomb["job_uuid"]
    wait_status(client, uid, ("RUNNING", "FAILED", "COMPLETED"), timeout=5)
    pids_dir = pathlib.Path("/sys/fs/cgroup/pids/joblet") / uid
    peak = 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            peak = max(peak, int((pids_dir / "pids.current").read_text()))
            limit = (pids_dir / "pids.max").read_text().strip()
        except FileNotFoundError:
            break
        time.sleep(0.1)
    print(f"fork bomb: peak {peak} pids in its cgroup, limit {limit}")
    assert limit != "max" and 0 < peak <= int(limit)
    # The server still answers, and another job runs normally right away.
    with iso_server.channel() as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING
    t = time.monotonic()
    st, out = run_to_end(client, "echo", ["still fine"], timeout=10)
    assert st["status"] == "COMPLETED" and out == "still fine\n"
    print(f"a job next to the bomb took {time.monotonic() - t:.2f} s end to end")
    r = client.jobs.stop_job(uid)
    assert r["status"] == "STOPPED"
    assert not pids_dir.exists(), "the bomb's cgroup outlived StopJob"


def test_pid_namespace_hostname_and_user(client, iso_server):
    job = client.jobs.run_job("sh", ["-c", "echo pid=$$; echo procs=$(ls /proc | grep -c '^[0-9]'); "
                                           f"test -e /proc/{iso_server.proc.pid} && echo sees-server-pid; "
                                           "echo host=$(hostname); echo uid=$(id -u) gid=$(id -g) groups=$(id -G)"])
    uid = job["job_uuid"]
    st = wait_status(client, uid)
    out = logs(client, uid).decode()
    assert st["status"] == "COMPLETED", (st, out)
    fields = dict(line.split("=", 1) for line in out.split() if "=" in line)
    assert int(fields["pid"]) <= 3, out   # the job's init is 1, its command right after
    assert int(fields["procs"]) <= 5, out  # init, sh, ls, grep
    assert "sees-server-pid" not in out
    assert fields["host"] == uid[:8]
    # One uid per job from jobs.firstUID (200000) on, its gid the same, no other groups (issue 16).
    assert 200000 <= int(fields["uid"]) < 200000 + 65536 and fields["gid"] == fields["uid"] == fields["groups"], out


def test_no_access_to_the_servers_files(client, iso_server):
    data = iso_server.data
    certs = iso_server.certs
    paths = [data, data / "joblet.db", data / "logs", data / "jobs", certs, certs / "server-key.pem",
             certs / "ca-key.pem", pathlib.Path(iso_server.log.name)]
    for p in paths:
        assert p.exists(), f"{p} should exist on the host for this test to mean anything"
    checks = "; ".join(f"if test -e '{p}' || cat '{p}' >/dev/null 2>&1; then echo 'VISIBLE {p}'; else echo 'hidden {p}'; fi"
                       for p in paths)
    # Its own workspace is writable; the system directories are read-only.
    checks += "; echo ok > /work/mine && echo workspace-writable; touch /etc/x 2>/dev/null && echo etc-writable; true"
    st, out = run_to_end(client, "sh", ["-c", checks])
    assert st["status"] == "COMPLETED", (st, out)
    assert "VISIBLE" not in out, out
    assert out.count("hidden ") == len(paths)
    assert "workspace-writable" in out and "etc-writable" not in out
