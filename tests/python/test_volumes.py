"""Volumes (issue 15): filesystem volumes are ext4 images on loop devices, so their size is
enforced; memory volumes are a bounded tmpfs; jobs mount them read-write at /volumes/NAME, at a
path of their choice, or read-only. Through the official SDK's volume methods and `volumes=`,
and grpcio stubs from our proto for the fields the SDK does not read (sizeBytes, usedBytes)."""
import errno
import json
import re
import signal
import time

import grpc
import pytest

from jobhelpers import bounded_time, logs, run_to_end, sdk, sdk_fails, wait_status
from netvolhelpers import ServerDir, mounts_under, stop_cleanly, volume_mounts

TIME_LIMIT = 90

# Prints the errno of writing `n` MiB to `path` (0: all written).
FILL = r"""
import errno, sys
path, n = sys.argv[1], int(sys.argv[2])
try:
    with open(path, "wb") as f:
        for _ in range(n):
            f.write(b"x" * (1 << 20))
            f.flush()
    print("errno 0")
except OSError as e:
    print("errno", errno.errorcode[e.errno])
"""


@pytest.fixture(scope="module")
def home(certs):
    d = ServerDir(certs, "jobletd-pytest-volumes-")
    yield d
    d.cleanup()


@pytest.fixture(scope="module")
def server(home, stubs):
    s = home.start()
    yield s
    if s.alive():
        c = sdk(s)
        for v in c.volumes.list_volumes():
            try:
                c.volumes.remove_volume(v["name"])
            except Exception:
                pass
        c.close()
    stop_cleanly(s)
    assert volume_mounts(home.data) == [], "a removed volume is still mounted"


@pytest.fixture(scope="module")
def client(server):
    c = sdk(server)
    yield c
    c.close()


def volume(client, name):
    return next((v for v in client.volumes.list_volumes() if v["name"] == name), None)


def test_filesystem_volume_outlives_the_job_that_wrote_it(client, server):
    created = client.volumes.create_volume("keep", "16MB")
    assert created == {"name": "keep", "size": "16MB", "type": "filesystem",
                       "path": str(server.data / "volumes" / "keep" / "data")}
    listed = volume(client, "keep")
    assert listed["type"] == "filesystem" and listed["size"] == "16MB" and listed["job_count"] == 0
    assert listed["created_time"].endswith("Z")
    # The job's own uid writes it; a later job (another uid) reads it.
    st, out = run_to_end(client, "sh", ["-c", "id -u; echo kept > /volumes/keep/note; ls -ld /volumes/keep"], volumes=["keep"])
    assert st["status"] == "COMPLETED", out
    st, out = run_to_end(client, "cat", ["/volumes/keep/note"], volumes=["keep"])
    assert st["status"] == "COMPLETED" and out == "kept\n", out
    assert (server.data / "volumes" / "keep" / "data" / "note").read_text() == "kept\n"


def test_writes_past_a_filesystem_volume_size_fail_with_enospc(client, server):
    client.volumes.create_volume("small", "8MB")
    st, out = run_to_end(client, "python3", ["-c", FILL, "/volumes/small/fill", "64"], volumes=["small"])
    assert "errno ENOSPC" in out, out
    # The host's disk was never written past the image: the image file is 8 MiB.
    assert (server.data / "volumes" / "small" / "image").stat().st_size == 8 << 20
    import joblet_pb2, joblet_pb2_grpc
    with server.channel() as ch:
        vols = joblet_pb2_grpc.VolumeServiceStub(ch).ListVolumes(joblet_pb2.EmptyRequest(), timeout=10).volumes
    small = next(v for v in vols if v.name == "small")
    assert small.sizeBytes == 8 << 20
    assert small.usedBytes > 4 << 20, small
    client.volumes.remove_volume("small")


def test_memory_volume_is_bounded_and_mounted_where_asked(client):
    created = client.volumes.create_volume("scratch", "4MB", volume_type="memory")
    assert created["type"] == "memory" and created["size"] == "4MB"
    st, out = run_to_end(client, "sh", ["-c", "grep ' /scratch ' /proc/mounts; python3 -c \"$0\" /scratch/f 16", FILL],
                         volumes=["scratch:/scratch"])
    assert "tmpfs" in out and "errno ENOSPC" in out, out
    client.volumes.remove_volume("scratch")


def test_ro_volume_is_read_only(client):
    client.volumes.create_volume("shared", "8MB")
    st, out = run_to_end(client, "sh", ["-c", "echo w > /data/w && echo wrote"], volumes=["shared:/data:rw"])
    assert st["status"] == "COMPLETED" and "wrote" in out, out
    st, out = run_to_end(client, "python3", ["-c", FILL, "/in/x", "1"], volumes=["shared:/in:ro"])
    assert "errno EROFS" in out, out
    st, out = run_to_end(client, "cat", ["/in/w"], volumes=["shared:/in:ro"])
    assert out == "w\n", out
    client.volumes.remove_volume("shared")


def test_remove_in_use_is_refused_until_the_job_ends(client, server):
    client.volumes.create_volume("busy", "8MB")
    job = client.jobs.run_job("sleep", ["30"], volumes=["busy"])
    wait_status(client, job["job_uuid"], ("RUNNING",))
    assert volume(client, "busy")["job_count"] == 1
    msg = sdk_fails(client.volumes.remove_volume, grpc.StatusCode.FAILED_PRECONDITION, "busy")
    assert "busy" in msg and "1 job" in msg, msg
    client.jobs.stop_job(job["job_uuid"])
    wait_status(client, job["job_uuid"])
    data = server.data / "volumes" / "busy" / "data"
    assert mounts_under(data) == [str(data)]
    client.volumes.remove_volume("busy")
    assert mounts_under(data) == [] and not (server.data / "volumes" / "busy").exists()
    assert volume(client, "busy") is None


def test_bad_requests_name_the_problem(client, server):
    fails = lambda code, *a, **kw: sdk_fails(client.volumes.create_volume, code, *a, **kw)
    assert "size" in fails(grpc.StatusCode.INVALID_ARGUMENT, "v1", "lots")
    assert "1MB" in fails(grpc.StatusCode.INVALID_ARGUMENT, "v1", "10KB")
    assert "type" in fails(grpc.StatusCode.INVALID_ARGUMENT, "v1", "8MB", volume_type="nfs")
    assert "name" in fails(grpc.StatusCode.INVALID_ARGUMENT, "../x", "8MB")
    client.volumes.create_volume("twice", "1.5MB")
    assert volume(client, "twice")["size"] == "1.5MB"
    assert "exists" in fails(grpc.StatusCode.ALREADY_EXISTS, "twice", "8MB")
    assert "not found" in sdk_fails(client.volumes.remove_volume, grpc.StatusCode.NOT_FOUND, "nope")
    # An unknown volume is refused at RunJob, naming the ones there are; nothing is stored.
    before = len(client.jobs.list_jobs())
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "true", volumes=["nope"])
    assert "nope" in msg and "twice" in msg, msg
    for bad in ["twice:relative", "twice:/proc/x", "twice:/a/../b", "twice:/x:rx", "twice:/work"]:
        sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "true", volumes=[bad])
    assert len(client.jobs.list_jobs()) == before
    # A viewer lists; only an admin creates or removes.
    viewer = sdk(server, "viewer")
    assert any(v["name"] == "twice" for v in viewer.volumes.list_volumes())
    sdk_fails(viewer.volumes.create_volume, grpc.StatusCode.PERMISSION_DENIED, "v2", "8MB")
    sdk_fails(viewer.volumes.remove_volume, grpc.StatusCode.PERMISSION_DENIED, "twice")
    viewer.close()
    client.volumes.remove_volume("twice")
    assert not any(p.name == "v1" for p in (server.data / "volumes").iterdir())


def test_volumes_are_there_after_kill_9_and_after_a_reboot(certs, stubs):
    home = ServerDir(certs, "jobletd-pytest-volumes-restart-")
    s = None
    try:
        s = home.start()
        c = sdk(s)
        c.volumes.create_volume("durable", "8MB")
        c.volumes.create_volume("mem", "2MB", volume_type="memory")
        c.volumes.create_volume("lost", "2MB")
        st, out = run_to_end(c, "sh", ["-c", "echo one > /volumes/durable/f; echo m > /volumes/mem/f"], volumes=["durable", "mem"])
        assert st["status"] == "COMPLETED", out
        c.close()
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(timeout=10)
        s.log.close()
        s = home.start()
        c = sdk(s)
        st, out = run_to_end(c, "cat", ["/volumes/durable/f", "/volumes/mem/f"], volumes=["durable", "mem"])
        assert out == "one\nm\n", out
        c.close()
        stop_cleanly(s)
        # A reboot unmounts everything: the next start mounts the image again (a memory volume
        # comes back empty, as tmpfs does).
        for p in mounts_under(home.data / "volumes"):
            assert __import__("subprocess").run(["umount", p]).returncode == 0
        # One image lost meanwhile: the server still starts, and never hands out the bare directory.
        (home.data / "volumes" / "lost" / "image").unlink()
        s = home.start()
        c = sdk(s)
        st, out = run_to_end(c, "sh", ["-c", "cat /volumes/durable/f; ls -A /volumes/mem | wc -l"], volumes=["durable", "mem"])
        assert out == "one\n0\n", out
        msg = sdk_fails(c.jobs.run_job, grpc.StatusCode.FAILED_PRECONDITION, "true", volumes=["lost"])
        assert "'lost' is not mounted" in msg, msg
        c.volumes.remove_volume("lost")
        c.volumes.remove_volume("durable")
        c.volumes.remove_volume("mem")
        c.close()
        stop_cleanly(s)
        assert volume_mounts(home.data) == []
    finally:
        if s is not None and s.alive():
            s.proc.kill()
            s.proc.wait(timeout=10)
        home.cleanup()


def test_rnx_volume_commands_and_run_volume(server):
    from test_rnx import rnx
    r = rnx("volume", "create", "cli-vol", "--size", "8MB", server=server)
    assert r.returncode == 0 and "cli-vol" in r.stdout and "8MB" in r.stdout, r
    r = rnx("run", "--volume", "cli-vol", "-f", "sh", "-c", "echo via-rnx > /volumes/cli-vol/f", server=server)
    assert r.returncode == 0, r
    r = rnx("run", "--volume", "cli-vol:/in:ro", "-f", "cat", "/in/f", server=server)
    assert r.returncode == 0 and "via-rnx" in r.stdout, r
    r = rnx("volume", "list", server=server)
    assert re.search(r"^cli-vol\s+filesystem\s+8MB\s+\S+\s+0\s", r.stdout, re.M), r.stdout
    listed = json.loads(rnx("volume", "list", "--json", server=server).stdout)
    assert [v["sizeBytes"] for v in listed if v["name"] == "cli-vol"] == [8 << 20]
    r = rnx("volume", "create", "bad", "--size", "huge", server=server)
    assert r.returncode != 0 and "size" in r.stderr, r
    r = rnx("volume", "remove", "cli-vol", server=server)
    assert r.returncode == 0 and "removed" in r.stdout, r
