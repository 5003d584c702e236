"""Job sandbox hardening (issue 16), as root: each hole a probe of a job from the inside (or of the
server's files from the host) that succeeded before and must fail now; plus the tools a job
needs still working under the seccomp profile. docs/security.md describes the model."""
import errno
import os
import pathlib
import shutil
import stat
import subprocess
import tempfile
import time
import uuid as uuidlib

import grpc
import pytest

from conftest import crash_excerpt, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, logs, raw_status, run_to_end, sdk, sdk_fails, wait_status

TIME_LIMIT = 90


@pytest.fixture(scope="module")
def base(certs):
    # Outside /tmp: a job has its own /tmp, and the symlink test needs host paths jobs cannot see.
    d = pathlib.Path(tempfile.mkdtemp(prefix="jobletd-pytest-sandbox-", dir="/var/tmp"))
    shutil.copytree(certs, d / "certs")
    yield d
    if not os.environ.get("KEEP_TEST_DIRS"):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def sandbox_server(base, stubs):
    s = start_jobletd(base / "certs", base / "data")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


@pytest.fixture(scope="module")
def client(sandbox_server):
    c = sdk(sandbox_server)
    yield c
    c.close()


# ---- 1. seccomp, capabilities ----

# Each probe prints "<name> <errno>" (0: the call worked). x86-64 system call numbers.
PROBES = r"""
import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
# First: a probe that succeeds (unconfined) puts us in a new user namespace with all its capabilities.
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
    print(k, status[k].strip(), flush=True)
def probe(name, nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(nr, *args)
    print(name, 0 if r >= 0 else ctypes.get_errno(), flush=True)
params = ctypes.create_string_buffer(120)
probe("io_uring_setup", 425, 8, params)
probe("add_key", 248, b"user", b"probe", b"secret", 6, ctypes.c_int(-2))
probe("keyctl_get_keyring_id", 250, 0, ctypes.c_int(-3), 0)
probe("bpf", 321, 0, None, 0)
probe("perf_event_open", 298, None, 0, -1, -1, 0)
probe("userfaultfd", 323, 0)
probe("unshare_newuser", 272, 0x10000000)
probe("setns", 308, 0, 0)
ctypes.set_errno(0)
r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)  # clone(CLONE_NEWUSER | SIGCHLD): a child would return 0
if r == 0: os._exit(0)
if r > 0: os.waitpid(r, 0)
print("clone_newuser", 0 if r >= 0 else ctypes.get_errno(), flush=True)
probe("clone3", 435, None, 0)
probe("open_by_handle_at", 304, 0, None, 0)
probe("kexec_load", 246, 0, 0, None, 0)
probe("init_module", 175, None, 0, b"")
probe("umount2", 166, b"/proc", 0)
probe("pivot_root", 155, b"/", b"/")
probe("fsopen", 430, b"tmpfs", 0)
probe("swapoff", 168, b"/none")
probe("reboot", 169, 0, 0, 0, None)
probe("settimeofday", 164, None, None)
r = subprocess.run(["unshare", "-Ur", "sh", "-c", "mount -t tmpfs none /tmp && echo mounted-tmpfs-as-ns-root"],
                   capture_output=True, text=True)
print("unshare-Ur", r.returncode, r.stdout.strip(), r.stderr.strip().replace("\n", " ")[:120], flush=True)
"""


def probe_results(out):
    return {parts[0]: parts[1:] for parts in (line.split(" ", 2) for line in out.splitlines()) if parts}


def test_seccomp_blocks_the_kernels_back_doors(client):
    st, out = run_to_end(client, "python3", ["-c", PROBES])
    assert st["status"] == "COMPLETED", (st, out)
    got = probe_results(out)
    expected = {"io_uring_setup": errno.EPERM, "add_key": errno.EPERM, "keyctl_get_keyring_id": errno.EPERM,
                "bpf": errno.EPERM, "perf_event_open": errno.EPERM, "userfaultfd": errno.EPERM,
                "unshare_newuser": errno.EPERM, "setns": errno.EPERM, "clone_newuser": errno.EPERM,
                "clone3": errno.ENOSYS, "open_by_handle_at": errno.EPERM, "kexec_load": errno.EPERM,
                "init_module": errno.EPERM, "umount2": errno.EPERM, "pivot_root": errno.EPERM,
                "fsopen": errno.EPERM, "swapoff": errno.EPERM, "reboot": errno.EPERM,
                "settimeofday": errno.EPERM}
    wrong = {name: got.get(name) for name, want in expected.items() if got.get(name, [None])[0] != str(want)}
    assert not wrong, f"probes that did not fail as expected (name: [errno]): {wrong}\n{out}"
    assert got["unshare-Ur"][0] != "0" and "mounted-tmpfs-as-ns-root" not in out, out
    assert got["Seccomp"] == ["2"], out  # filter mode
    assert got["NoNewPrivs"] == ["1"], out
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert got[cap] == ["0000000000000000"], (cap, out)


C_PROGRAM = r"""
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
static void *worker(void *arg) { return arg; }
int main(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) return 2;
    pthread_join(t, NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("compiled program ran: thread ok, child exit %d\n", WEXITSTATUS(st));
    return 0;
}
"""


def test_tools_still_work_under_the_profile(client):
    script = ("set -e; echo shell works; "
              "python3 -c 'import threading, subprocess, multiprocessing as m; "
              "t = threading.Thread(target=print, args=(\"python thread works\",)); t.start(); t.join(); "
              "print(subprocess.run([\"echo\", \"python subprocess works\"], capture_output=True, text=True).stdout.strip()); "
              "print(\"pool\", sum(m.Pool(2).map(abs, [-1, -2, -3])))'; "
              "cat > /tmp/p.c <<'EOF'\n" + C_PROGRAM + "\nEOF\n"
              "cc -O1 -pthread -o /tmp/p /tmp/p.c && /tmp/p")
    st, out = run_to_end(client, "sh", ["-c", script], timeout=60)
    assert st["status"] == "COMPLETED", (st, out)
    for line in ("shell works", "python thread works", "python subprocess works", "pool 6",
                 "compiled program ran: thread ok, child exit 7"):
        assert line in out, (line, out)


# ---- 2. /proc masked, devices cgroup ----

MASKED_PROC_FILES = ("kcore", "keys", "timer_list", "timer_stats", "sched_debug", "latency_stats")


def test_proc_is_masked_like_runc(client):
    present = [f for f in MASKED_PROC_FILES if os.path.exists(f"/proc/{f}")]
    assert present, "none of the masked /proc files exists on this kernel: the test would mean nothing"
    script = ("for f in " + " ".join(present) + "; do stat -c \"masked $f %F %t:%T\" /proc/$f; done; "
              "for m in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /proc/fs; do "
              "  awk -v m=$m '$5 == m { split($6, o, \",\"); print \"mount\", m, o[1] }' /proc/self/mountinfo; done; "
              "echo 1 > /proc/sys/kernel/printk 2>&1 | head -1; true")
    st, out = run_to_end(client, "sh", ["-c", script])
    assert st["status"] == "COMPLETED", (st, out)
    for f in present:
        assert f"masked {f} character special file 1:3" in out, (f, out)  # /dev/null over it
    for m in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"):
        if os.path.exists(m):
            assert f"mount {m} ro" in out, (m, out)


def test_devices_cgroup_allows_only_the_minimal_dev(client, sandbox_server):
    devices = pathlib.Path("/sys/fs/cgroup/devices")
    if not devices.is_dir():
        pytest.skip("no v1 devices hierarchy on this host")
    job = client.jobs.run_job("sh", ["-c", "cat /dev/null; head -c 4 /dev/urandom | wc -c; sleep 30"])
    uid = job["job_uuid"]
    try:
        wait_status(client, uid, ("RUNNING",), timeout=10)
        deadline = time.monotonic() + 10
        log = sandbox_server.data / "logs" / f"{uid}.log"
        while "4" not in log.read_text():  # the allowed nodes work
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        allowed = (devices / "joblet" / uid / "devices.list").read_text().split("\n")
        allowed = sorted(a for a in allowed if a)
        assert allowed == sorted(["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                                  "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"]), allowed
    finally:
        client.jobs.stop_job(uid)


# ---- 3. modes ----

def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_data_directory_and_files_are_private(client, sandbox_server):
    st, _ = run_to_end(client, "echo", ["private"])
    data = sandbox_server.data
    assert mode(data) == 0o700, oct(mode(data))
    for name in ("joblet.db", "joblet.db-wal", "joblet.db-shm"):
        if (data / name).exists():
            assert mode(data / name) == 0o600, (name, oct(mode(data / name)))
    assert mode(data / "logs") == 0o700
    assert mode(data / "logs" / f"{st['uuid']}.log") == 0o600


def test_existing_installs_are_fixed_at_start(base, stubs):
    data = base / "data-old-install"
    s = start_jobletd(base / "certs", data)
    c = sdk(s)
    try:
        uid = c.jobs.run_job("echo", ["old"])["job_uuid"]
        wait_status(c, uid)
    finally:
        c.close()
        stop_jobletd(s)
    # What an older jobletd left: world-readable everything.
    for p in (data, data / "logs"):
        os.chmod(p, 0o755)
    for p in [data / "joblet.db", data / "logs" / f"{uid}.log"]:
        os.chmod(p, 0o644)
    s = start_jobletd(base / "certs", data)
    try:
        assert mode(data) == 0o700 and mode(data / "logs") == 0o700
        assert mode(data / "joblet.db") == 0o600
        assert mode(data / "logs" / f"{uid}.log") == 0o600
    finally:
        stop_jobletd(s)


# ---- 4. delete removes the job's directory, never following a planted link ----

def plant_links_job(client, outside_file, outside_dir):
    script = (f"ln -s {outside_file} /work/file-link; ln -s {outside_dir} /work/dir-link; "
              f"mkdir -p /work/a/b/c && ln -s {outside_dir} /work/a/b/c/deep-link && echo x > /work/a/b/c/f; "
              "mkdir /work/locked && touch /work/locked/in && chmod 000 /work/locked; echo planted")
    st, out = run_to_end(client, "sh", ["-c", script])
    assert st["status"] == "COMPLETED" and "planted" in out, (st, out)
    return st["uuid"]


def outside_things(base):
    d = pathlib.Path(tempfile.mkdtemp(prefix="outside-", dir=base))
    (d / "file.txt").write_text("keep me")
    (d / "dir").mkdir()
    (d / "dir" / "inside.txt").write_text("keep me too")
    return d / "file.txt", d / "dir"


def assert_outside_intact(outside_file, outside_dir):
    assert outside_file.read_text() == "keep me"
    assert (outside_dir / "inside.txt").read_text() == "keep me too"


def test_delete_job_removes_its_directory_not_link_targets(client, sandbox_server, base):
    outside_file, outside_dir = outside_things(base)
    uid = plant_links_job(client, outside_file, outside_dir)
    job_dir = sandbox_server.data / "jobs" / uid
    assert (job_dir / "workspace" / "a" / "b" / "c" / "f").exists()
    assert os.path.islink(job_dir / "workspace" / "dir-link")
    r = client.jobs.delete_job(uid)
    assert r["success"], r
    assert not job_dir.exists(), list(job_dir.rglob("*"))
    assert not (sandbox_server.data / "logs" / f"{uid}.log").exists()
    assert_outside_intact(outside_file, outside_dir)


def test_delete_all_jobs_removes_their_directories(client, sandbox_server, base):
    outside_file, outside_dir = outside_things(base)
    uids = [plant_links_job(client, outside_file, outside_dir) for _ in range(2)]
    for uid in uids:
        assert (sandbox_server.data / "jobs" / uid).exists()
    r = client.jobs.delete_all_jobs()
    assert r["success"] and r["deleted_count"] >= 2, r
    for uid in uids:
        assert not (sandbox_server.data / "jobs" / uid).exists()
    assert_outside_intact(outside_file, outside_dir)


# ---- 5. secrets masked in every reader's logs ----

def test_secret_values_are_masked_in_logs_for_admin_and_viewer(client, sandbox_server):
    secret = f"tok-{uuidlib.uuid4().hex}"
    half = len(secret) // 2
    # Whole, then split across two writes far enough apart that a follower reads them as two chunks.
    script = (f"echo \"whole=$S\"; printf '%s' \"split=$(echo $S | cut -c1-{half})\"; sleep 1; "
              f"echo \"$(echo $S | cut -c{half + 1}-)\"; echo \"len=${{#S}}\"")
    job = client.jobs.run_job("sh", ["-c", script], secret_environment={"S": secret})
    uid = job["job_uuid"]
    viewer = sdk(sandbox_server, "viewer")
    try:
        followed = b"".join(viewer.jobs.get_job_logs(uid)).decode()  # live, chunk by chunk
        wait_status(client, uid)
        for text in (followed, logs(client, uid).decode(), b"".join(viewer.jobs.get_job_logs(uid)).decode()):
            assert secret not in text and secret[:half] not in text, text
            assert "whole=***" in text and "split=***" in text and f"len={len(secret)}" in text, text
    finally:
        viewer.close()


# ---- 6. disk-full safety ----

@pytest.fixture
def small_disk_server(base, stubs):
    mnt = pathlib.Path(tempfile.mkdtemp(prefix="small-disk-", dir=base))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "sandbox-test", str(mnt)], check=True)
    config = base / "small-disk.yml"
    config.write_text("server:\n  minFreeDiskMB: 8\n")
    s = start_jobletd(base / "certs", mnt / "data", "--config", str(config), log_path=base / f"{mnt.name}-jobletd.log")
    try:
        yield s, mnt
    finally:
        stop_jobletd(s)
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt, leave_bytes):
    """A file that leaves about `leave_bytes` free on the filesystem of `mnt`."""
    filler = mnt / "filler"
    free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
    size = max(0, free - leave_bytes)
    with open(filler, "ab") as f:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            n = min(size, len(chunk))
            try:
                f.write(chunk[:n])
                f.flush()
            except OSError:
                break
            size -= n
    return filler


def test_run_job_is_refused_below_the_disk_reserve(small_disk_server):
    s, mnt = small_disk_server
    c = sdk(s)
    try:
        filler = fill(mnt, 2 << 20)
        msg = sdk_fails(c.jobs.run_job, grpc.StatusCode.RESOURCE_EXHAUSTED, "echo", ["no room"])
        assert "MB free" in msg and "minFreeDiskMB" in msg, msg
        filler.unlink()
        uid = c.jobs.run_job("echo", ["room again"])["job_uuid"]
        assert wait_status(c, uid)["status"] == "COMPLETED"
    finally:
        c.close()


def test_a_jobs_end_is_stored_once_the_disk_has_room_again(small_disk_server):
    s, mnt = small_disk_server
    c = sdk(s)
    try:
        uid = c.jobs.run_job("sleep", ["2"])["job_uuid"]
        wait_status(c, uid, ("RUNNING",), timeout=10)
        filler = fill(mnt, 0)  # the disk is full when the job ends
        deadline = time.monotonic() + 20
        log = pathlib.Path(s.log.name)
        while f"cannot store job {uid}" not in log.read_text():
            assert time.monotonic() < deadline, "the job's end was never attempted on the full disk"
            time.sleep(0.2)
        assert c.jobs.get_job_status(uid)["status"] == "RUNNING"  # could not be stored yet
        filler.unlink()
        st = wait_status(c, uid, ("COMPLETED",), timeout=15)
        assert st["exit_code"] == 0
        assert f"stored job {uid} -> COMPLETED" in log.read_text()
    finally:
        c.close()


# ---- 7. the log belongs to jobletd's side: a pipe drained by joblet-init, with a cap ----

def test_a_job_cannot_truncate_or_rewrite_its_log(client):
    prog = ("import os, sys\n"
            "print('first line', flush=True)\n"
            "for name, call in (('ftruncate', lambda: os.ftruncate(1, 0)), ('lseek', lambda: os.lseek(1, 0, 0)),\n"
            "                   ('reopen', lambda: open('/proc/self/fd/1', 'w').write('overwritten'))):\n"
            "    try:\n"
            "        call(); print(name, 'WORKED', flush=True)\n"
            "    except OSError as e:\n"
            "        print(name, 'refused', e.errno, flush=True)\n"
            "print('last line', flush=True)\n")
    st, out = run_to_end(client, "python3", ["-c", prog])
    assert st["status"] == "COMPLETED", (st, out)
    assert out.startswith("first line\n") and out.endswith("last line\n"), out
    assert "WORKED" not in out and "overwritten" not in out, out
    assert "ftruncate refused" in out and "lseek refused" in out, out


@pytest.fixture
def capped_server(base, stubs):
    d = pathlib.Path(tempfile.mkdtemp(prefix="capped-", dir=base))
    (d / "config.yml").write_text("jobs:\n  maxLogBytes: 100000\n")
    s = start_jobletd(base / "certs", d / "data", "--config", str(d / "config.yml"))
    yield s
    stop_jobletd(s)


def test_output_past_max_log_bytes_is_discarded_without_blocking_the_job(capped_server):
    c = sdk(capped_server)
    try:
        t = time.monotonic()
        # 20 MB, far past the 100 kB cap: the job must not block on a full pipe.
        st, out = run_to_end(c, "sh", ["-c", "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo after-the-flood"])
        elapsed = time.monotonic() - t
        assert st["status"] == "COMPLETED", (st, out[-300:])
        assert out.startswith("x" * 1000)
        kept = out.split("\njoblet-init:")[0]
        assert kept == "x" * 100000, len(kept)
        assert "the log reached its limit of 100000 bytes (jobs.maxLogBytes); further output is discarded" in out
        assert "after-the-flood" not in out
        assert len(out) < 100000 + 200
        print(f"20 MB through a 100 kB cap: {elapsed:.2f} s end to end")
    finally:
        c.close()


def test_output_keeps_reaching_the_log_across_a_jobletd_restart(base, stubs):
    data = base / "data-restart-log"
    s = start_jobletd(base / "certs", data)
    c = sdk(s)
    uid = c.jobs.run_job("sh", ["-c", "echo before; sleep 3; echo after"])["job_uuid"]
    wait_status(c, uid, ("RUNNING",), timeout=10)
    c.close()
    stop_jobletd(s)  # the job's init keeps draining its pipe
    s = start_jobletd(base / "certs", data)
    c = sdk(s)
    try:
        st = wait_status(c, uid, timeout=20)
        assert st["status"] == "COMPLETED", st
        assert logs(c, uid).decode() == "before\nafter\n"
    finally:
        c.close()
        stop_jobletd(s)


# ---- 8. one uid per job ----

def job_pids(uid):
    procs = pathlib.Path("/sys/fs/cgroup/pids/joblet") / uid / "cgroup.procs"
    if not procs.exists():
        procs = pathlib.Path("/sys/fs/cgroup/unified/joblet") / uid / "cgroup.procs"
    return [int(p) for p in procs.read_text().split()]


def command_pid(uid, timeout=10):
    """The host pid of the job's command (its init is root; the command runs as the job's uid)."""
    deadline = time.monotonic() + timeout
    while True:
        for pid in job_pids(uid):
            try:
                owner = os.stat(f"/proc/{pid}").st_uid
            except FileNotFoundError:
                continue
            if owner != 0:
                return pid, owner
        assert time.monotonic() < deadline, f"no command process in job {uid}"
        time.sleep(0.05)


def test_each_running_job_has_its_own_uid_and_private_workspace(client, sandbox_server):
    secret = f"env-{uuidlib.uuid4().hex}"
    jobs = [client.jobs.run_job("sleep", ["30"], secret_environment={"S": secret})["job_uuid"] for _ in range(2)]
    try:
        owners = []
        for uid in jobs:
            wait_status(client, uid, ("RUNNING",), timeout=10)
            pid, owner = command_pid(uid)
            owners.append(owner)
            assert 200000 <= owner < 200000 + 65536, owner
            ws = sandbox_server.data / "jobs" / uid / "workspace"
            assert (os.stat(ws).st_uid, mode(ws)) == (owner, 0o700)
            # A host process of another uid (nobody; and so the other job) cannot read its environment.
            r = subprocess.run(["python3", "-c", f"print(open('/proc/{pid}/environ', 'rb').read())"],
                               user=65534, group=65534, capture_output=True, text=True)
            assert r.returncode != 0 and "PermissionError" in r.stderr and secret not in r.stdout, (r.stdout, r.stderr)
        assert owners[0] != owners[1], owners
        pid1, _ = command_pid(jobs[1])
        r = subprocess.run(["python3", "-c", f"print(open('/proc/{pid1}/environ', 'rb').read())"],
                           user=owners[0], group=owners[0], capture_output=True, text=True)
        assert r.returncode != 0 and secret not in r.stdout, (r.stdout, r.stderr)
    finally:
        for uid in jobs:
            client.jobs.stop_job(uid)


def test_a_uid_is_reused_only_after_the_jobs_files_are_gone(base, stubs):
    d = pathlib.Path(tempfile.mkdtemp(prefix="uids-", dir=base))
    (d / "config.yml").write_text("jobs:\n  firstUID: 300000\n  uidCount: 2\n")
    s = start_jobletd(base / "certs", d / "data", "--config", str(d / "config.yml"))
    c = sdk(s)
    try:
        def run_id():
            st, out = run_to_end(c, "id", ["-u"])
            assert st["status"] == "COMPLETED", (st, out)
            return st["uuid"], int(out)
        (a, ua), (b, ub) = run_id(), run_id()
        assert {ua, ub} == {300000, 300001}
        # Both uids own files of finished jobs: a third job gets none.
        third = c.jobs.run_job("id", ["-u"])["job_uuid"]
        assert wait_status(c, third)["status"] == "FAILED"
        reason = raw_status(s, third).reason
        assert "job uids" in reason and "delete finished jobs" in reason, reason
        c.jobs.delete_job(third)
        c.jobs.delete_job(a)
        uid3, u3 = run_id()
        assert u3 == ua, (u3, ua)
    finally:
        c.close()
        stop_jobletd(s)


# ---- 9. workspace size limit: a btrfs subvolume per job with a qgroup limit ----

@pytest.fixture
def btrfs_server(base, stubs):
    if shutil.which("mkfs.btrfs") is None:
        pytest.fail("mkfs.btrfs missing: scripts/install-deps.sh --test installs btrfs-progs")
    d = pathlib.Path(tempfile.mkdtemp(prefix="btrfs-", dir=base))
    image, mnt = d / "image", d / "mnt"
    mnt.mkdir()
    with open(image, "wb") as f:
        f.truncate(320 << 20)
    subprocess.run(["mkfs.btrfs", "-q", str(image)], check=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], check=True)
    try:
        subprocess.run(["btrfs", "quota", "enable", str(mnt)], check=True)
        (d / "config.yml").write_text("server:\n  minFreeDiskMB: 16\njobs:\n  defaultWorkspaceMB: 10\n")
        s = start_jobletd(base / "certs", mnt / "data", "--config", str(d / "config.yml"))
        try:
            yield s, mnt
        finally:
            stop_jobletd(s)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_workspace_writes_stop_at_the_limit(btrfs_server):
    s, mnt = btrfs_server
    c = sdk(s)
    try:
        st, out = run_to_end(c, "sh", ["-c", "dd if=/dev/urandom of=/work/big bs=1M count=20 2>&1 | grep -E 'error|copied'; sync; "
                                             "echo size=$(stat -c %s /work/big)"])
        assert st["status"] == "COMPLETED", (st, out)
        assert "Disk quota exceeded" in out, out
        size = int(out.split("size=")[1])
        assert size <= 10 << 20, size
        # Another job's workspace is limited on its own; small writes pass.
        st, out = run_to_end(c, "sh", ["-c", "head -c 5000000 /dev/zero > /work/ok && echo wrote-5MB"])
        assert st["status"] == "COMPLETED" and "wrote-5MB" in out, (st, out)
        # Delete removes the subvolume too.
        c.jobs.delete_job(st["uuid"])
        assert not (s.data / "jobs" / st["uuid"]).exists()
        print(f"stopped at {size} bytes of 20 MB asked")
    finally:
        c.close()


def test_spare_workspaces_carry_the_default_limit(btrfs_server):
    """Spare job directories on btrfs hold a subvolume with the default limit: jobs launched
    from spares (every one after the first) still stop at it, and their workspace is a
    subvolume of their own (inode 256 is a btrfs subvolume's root)."""
    s, mnt = btrfs_server
    c = sdk(s)
    try:
        for i in range(4):
            st, out = run_to_end(c, "sh", ["-c", "dd if=/dev/zero of=/work/big bs=1M count=20 2>&1 | grep -c 'quota exceeded'; "
                                                 "stat -c %i /work"])
            assert st["status"] == "COMPLETED", (i, st, out)
            exceeded, inode = out.split()[:2]
            assert exceeded == "1" and inode == "256", (i, out)
            assert os.stat(s.data / "jobs" / st["uuid"] / "workspace").st_ino == 256
        deadline = time.monotonic() + 10
        while not (spares := list((s.data / "jobs").glob(".spare-*"))):
            assert time.monotonic() < deadline, "no spare job directory on btrfs"
            time.sleep(0.05)
        assert all((p / "workspace").stat().st_ino == 256 for p in spares), spares
    finally:
        c.close()


def test_the_request_field_overrides_the_default_workspace_limit(btrfs_server):
    """RunJobRequest.workspace_limit_mb (170): 30 MB for this job, against the server's 10 MB."""
    import joblet_pb2
    import joblet_pb2_grpc
    s, mnt = btrfs_server
    write = "dd if=/dev/urandom of=/work/big bs=1M count=20 2>&1 | grep -E 'error|copied'; echo size=$(stat -c %s /work/big)"
    c = sdk(s)
    try:
        with s.channel() as ch:
            stub = joblet_pb2_grpc.JobServiceStub(ch)
            uid = stub.RunJob(joblet_pb2.RunJobRequest(command="sh", args=["-c", write], workspace_limit_mb=30),
                              timeout=10).jobUuid
            st = wait_status(c, uid)
            out = logs(c, uid).decode()
            assert st["status"] == "COMPLETED" and "Disk quota exceeded" not in out and "size=20971520" in out, out
            with pytest.raises(grpc.RpcError) as bad:
                stub.RunJob(joblet_pb2.RunJobRequest(command="true", workspace_limit_mb=-1), timeout=10)
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "workspace_limit_mb -1 is negative" in bad.value.details()
    finally:
        c.close()


def test_a_workspace_limit_without_btrfs_fails_the_job_clearly(base, stubs):
    d = pathlib.Path(tempfile.mkdtemp(prefix="nobtrfs-", dir=base))
    (d / "config.yml").write_text("jobs:\n  defaultWorkspaceMB: 10\n")
    s = start_jobletd(base / "certs", d / "data", "--config", str(d / "config.yml"))
    c = sdk(s)
    try:
        uid = c.jobs.run_job("true", [])["job_uuid"]
        assert wait_status(c, uid)["status"] == "FAILED"
        reason = raw_status(s, uid).reason
        assert "not on btrfs" in reason and "jobs.defaultWorkspaceMB" in reason, reason
    finally:
        c.close()
        stop_jobletd(s)


def test_unconfined_profile_is_the_admins_choice_and_capabilities_stay_empty(base, stubs):
    d = pathlib.Path(tempfile.mkdtemp(prefix="unconfined-", dir=base))
    (d / "config.yml").write_text("jobs:\n  seccomp: unconfined\n")
    s = start_jobletd(base / "certs", d / "data", "--config", str(d / "config.yml"))
    c = sdk(s)
    try:
        st, out = run_to_end(c, "python3", ["-c", PROBES])
        assert st["status"] == "COMPLETED", (st, out)
        got = probe_results(out)
        assert got["Seccomp"] == ["0"] and got["io_uring_setup"] == ["0"], out  # no filter: the call works
        assert got["CapBnd"] == ["0000000000000000"] and got["NoNewPrivs"] == ["1"], out
    finally:
        c.close()
        stop_jobletd(s)
    assert "seccomp profile 'unconfined' (jobs.seccomp)" in pathlib.Path(s.log.name).read_text()


# ---- 10. warm inits: the v1 cgroup migration off the launch path ----

def pool_cgroups(server_pid):
    parent = pathlib.Path("/sys/fs/cgroup/memory/joblet")
    return sorted(p for p in parent.glob(f"pool-{server_pid}-*")) if parent.is_dir() else []


def test_warm_inits_wait_in_their_own_cgroups_and_dead_ones_are_skipped(base, stubs):
    if not pathlib.Path("/sys/fs/cgroup/memory/joblet").parent.is_dir():
        pytest.skip("no v1 memory hierarchy: warm inits are for cgroup v1")
    s = start_jobletd(base / "certs", base / "data-warm")
    c = sdk(s)
    try:
        deadline = time.monotonic() + 10
        while len(pool_cgroups(s.proc.pid)) < 2:
            assert time.monotonic() < deadline, pool_cgroups(s.proc.pid)
            time.sleep(0.05)
        st, out = run_to_end(c, "echo", ["from a warm init"])
        assert st["status"] == "COMPLETED" and out == "from a warm init\n", (st, out)
        # Kill every waiting init from outside: launches skip the dead ones and still work.
        for cg in pool_cgroups(s.proc.pid):
            for pid in (cg / "cgroup.procs").read_text().split():
                os.kill(int(pid), 9)
        for i in range(3):
            st, out = run_to_end(c, "echo", [f"after the kill {i}"])
            assert st["status"] == "COMPLETED" and out == f"after the kill {i}\n", (st, out)
    finally:
        c.close()
        stop_jobletd(s)
    assert pool_cgroups(s.proc.pid) == [], "warm-init cgroups outlived jobletd"


def test_spare_job_directories_become_workspaces_and_go_with_jobletd(base, stubs):
    """Job directories are made ahead of their jobs (.spare-<pid>-<n>: a workspace, an
    exit-status file and a hosts file); a launch renames one into place, and the job still gets a workspace of
    its own uid, mode 0700. jobletd removes its spares when it stops."""
    data = base / "data-spares"
    s = start_jobletd(base / "certs", data)
    c = sdk(s)
    jobs = data / "jobs"
    spares = lambda: sorted(p.name for p in jobs.glob(f".spare-{s.proc.pid}-*")) if jobs.is_dir() else []
    spare_logs = lambda: sorted(p.name for p in (data / "logs").glob(f".spare-{s.proc.pid}-*"))
    try:
        uids = set()
        for i in range(3):
            st, out = run_to_end(c, "sh", ["-c", "id -u; stat -c '%u %a' /work; echo x > /work/f && cat /work/f"])
            assert st["status"] == "COMPLETED", (st, out)
            uid, owner_mode, written = out.split("\n")[:3]
            assert owner_mode == f"{uid} 700" and written == "x", out
            uids.add(uid)
            ws = jobs / st["uuid"] / "workspace"
            assert ws.stat().st_uid == int(uid) and stat.S_IMODE(ws.stat().st_mode) == 0o700
        assert len(uids) == 3, uids  # one uid per job, spares or not
        deadline = time.monotonic() + 10
        while len(spares()) < 2:
            assert time.monotonic() < deadline, spares()
            time.sleep(0.05)
        for name in spares():
            assert sorted(p.name for p in (jobs / name).iterdir()) == ["exit-status", "hosts", "workspace"]
        while len(spare_logs()) < 2:  # and log files
            assert time.monotonic() < deadline, spare_logs()
            time.sleep(0.05)
        for name in spare_logs():
            spare = data / "logs" / name
            assert spare.stat().st_size == 0 and stat.S_IMODE(spare.stat().st_mode) == 0o600
    finally:
        c.close()
        stop_jobletd(s)
    assert spares() == [] and spare_logs() == [], "spare job directories or log files outlived jobletd"


def test_host_network_jobs_get_warm_inits_of_their_own_kind(base, stubs):
    """The default network is `bridge`: the pool holds inits with a network namespace. The first
    `host` job starts cold and starts a second pool of inits without one; later host jobs use it."""
    if not pathlib.Path("/sys/fs/cgroup/memory/joblet").parent.is_dir():
        pytest.skip("no v1 memory hierarchy: warm inits are for cgroup v1")
    s = start_jobletd(base / "certs", base / "data-warm-host")
    c = sdk(s)
    host_pool = lambda: [p for p in pool_cgroups(s.proc.pid) if p.name.split("-")[2].startswith("h")]
    try:
        assert host_pool() == [], "no host-network job yet: no idle inits of that kind"
        host_netns = os.readlink("/proc/self/ns/net")
        for i in range(4):
            st, out = run_to_end(c, "readlink", ["/proc/self/ns/net"], network="host")
            assert st["status"] == "COMPLETED" and out == host_netns + "\n", (i, st, out)
            if i == 0:
                deadline = time.monotonic() + 10
                while len(host_pool()) < 2:
                    assert time.monotonic() < deadline, pool_cgroups(s.proc.pid)
                    time.sleep(0.05)
        st, out = run_to_end(c, "readlink", ["/proc/self/ns/net"])
        assert st["status"] == "COMPLETED" and out.strip() != host_netns, (st, out)
    finally:
        c.close()
        stop_jobletd(s)
    assert pool_cgroups(s.proc.pid) == [], "warm-init cgroups outlived jobletd"
