"""What the network and volume suites share: a server of their own under /var/tmp, and the
clean-up of the host state a test made there (volume mounts, loop devices, bridges)."""
import os
import pathlib
import shutil
import subprocess
import tempfile

from conftest import crash_excerpt, start_jobletd, stop_jobletd


def mounts_under(path):
    """Mount points at or below `path` in our mount namespace, deepest first."""
    prefix = str(path)
    points = []
    for line in pathlib.Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split(" ")[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            points.append(point)
    return sorted(set(points), key=len, reverse=True)


def volume_mounts(data):
    """Volumes mounted under a data directory (its `volumes` directory itself is a shared bind
    mount that stays, so that warm job inits see volumes mounted after they started)."""
    root = pathlib.Path(data) / "volumes"
    return [p for p in mounts_under(root) if p != str(root)]


def unmount_all_under(path):
    """Lazily unmounts everything below `path` (volumes a failed test left; their loop devices are
    autoclear and go with the last mount). Bounded: each point is tried a few times."""
    for _ in range(4):
        points = mounts_under(path)
        if not points:
            return
        for p in points:
            subprocess.run(["umount", "-l", p], capture_output=True)


def kill_job(uuid):
    """Kills a job's init through its cgroup (a test whose server died must not leave it running)."""
    procs = pathlib.Path("/sys/fs/cgroup/pids/joblet", uuid, "cgroup.procs")
    try:
        pids = procs.read_text().split()
    except OSError:
        return
    if pids:
        os.kill(int(pids[0]), 9)  # the init, pid 1 of the job's namespace: the kernel kills the rest


def link_exists(name):
    return pathlib.Path("/sys/class/net", name).exists()


def delete_link(name):
    if link_exists(name):
        subprocess.run(["ip", "link", "del", name], capture_output=True)


class ServerDir:
    """A data directory and a copy of the certificates under /var/tmp (jobs have their own /tmp)."""

    def __init__(self, certs, prefix):
        self.base = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
        shutil.copytree(certs, self.base / "certs")
        self.data = self.base / "data"

    def start(self, *extra):
        return start_jobletd(self.base / "certs", self.data, *extra)

    def cleanup(self):
        unmount_all_under(self.base)
        if not os.environ.get("KEEP_TEST_DIRS"):
            shutil.rmtree(self.base, ignore_errors=True)


def stop_cleanly(server):
    stop_jobletd(server)
    assert server.proc.returncode == 0, crash_excerpt(server)
