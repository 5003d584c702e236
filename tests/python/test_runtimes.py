"""Runtimes end to end through the official Joblet SDK (joblet-sdk-python 1.1.5): a real runtime
built by its setup.sh in the builder sandbox (a Python virtual environment with a package from
PyPI), jobs that use it, the nine RuntimeService methods, roles, and what an install leaves behind
when it fails or jobletd is killed in the middle of it."""
import http.server
import io
import os
import pathlib
import signal
import subprocess
import sys
import tarfile
import threading
import time
import uuid as uuidlib

import grpc
import pytest

from conftest import crash_excerpt, start_jobletd, stop_jobletd
# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time, logs, run_to_end, sdk, sdk_fails, wait_status

TIME_LIMIT = 240
PACKAGE = "termcolor"  # tiny, pure Python, not in Debian's python3 (the host's)
TAG = uuidlib.uuid4().hex[:10]
PROBES = [f"/usr/bin/joblet-rt-{TAG}", f"/etc/joblet-rt-{TAG}", f"/var/joblet-rt-{TAG}"]

RUNTIME_YML = f"""\
name: pyrt-3.11-test
language: python
version: "3.11"
description: a virtual environment with {PACKAGE}
mounts:
  - {{source: isolated/opt/venv, target: /opt/venv, readonly: true}}
environment:
  PATH_PREPEND: /opt/venv/bin
  RT_MARK: from-runtime
packages: [{PACKAGE}]
requirements: {{architectures: [amd64], gpu: false}}
test: python3 -c "import {PACKAGE}; print('{PACKAGE} imported from', {PACKAGE}.__file__)"
"""

# $1: where pip takes the package from ("wheels/*.whl" with --no-index, or the name: PyPI).
SETUP_SH = f"""\
#!/bin/bash
set -euo pipefail
echo "building $RUNTIME_SPEC into $RUNTIME_DIR (build $BUILD_ID, JOBLET_CHROOT=$JOBLET_CHROOT)"
# The builder may write anywhere in its view; none of this may reach the host.
for f in {' '.join(PROBES)}; do echo x > "$f" && echo "wrote $f"; done
# ... and it reads none of the host's secrets: /etc/shadow reads empty, /root and /opt start empty.
if [ -s /etc/shadow ]; then echo "shadow readable"; else echo "shadow hidden"; fi
echo "root holds: $(ls -A /root | wc -l); opt holds: $(ls -A /opt)"
python3 -m venv --without-pip /opt/venv
python3 -m pip --python /opt/venv/bin/python install --disable-pip-version-check -q $PIP_SOURCE
mkdir -p "$RUNTIME_DIR/isolated/opt"
cp -a /opt/venv "$RUNTIME_DIR/isolated/opt/venv"
cp runtime.yml "$RUNTIME_DIR/runtime.yml"
echo "setup finished"
"""


def source_files(pip_source):
    return [{"path": "setup.sh", "content": SETUP_SH.replace("$PIP_SOURCE", pip_source).encode(), "executable": True},
            {"path": "runtime.yml", "content": RUNTIME_YML.encode()}]


@pytest.fixture(scope="module")
def wheel(workdir):
    """The package's wheel, downloaded from PyPI once; the local install takes it from its files."""
    d = workdir / "runtime-wheels"
    d.mkdir(exist_ok=True)
    found = list(d.glob("*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check",
                        "-d", str(d), PACKAGE], check=True, timeout=120)
        found = list(d.glob("*.whl"))
    assert len(found) == 1, found
    return found[0]


class Repository(http.server.BaseHTTPRequestHandler):
    """codeload.github.com's layout on loopback: /<owner>/<name>/tar.gz/refs/heads/<branch>."""
    tarballs = {}

    def do_GET(self):
        body = self.tarballs.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def tarball(top, files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in files:
            info = tarfile.TarInfo(f"{top}/{f['path']}")
            info.size = len(f["content"])
            info.mode = 0o755 if f.get("executable") else 0o644
            tar.addfile(info, io.BytesIO(f["content"]))
    return buf.getvalue()


@pytest.fixture(scope="module")
def github():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Repository)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def rt_server(certs, workdir, stubs, github):
    data = workdir / "data-runtimes"
    config = workdir / "runtimes-config.yml"
    config.write_text(f"runtimes:\n  githubBaseURL: {github}\n  buildTimeoutSeconds: 300\n")
    s = start_jobletd(certs, data, "--config", str(config))
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


@pytest.fixture(scope="module")
def client(rt_server):
    c = sdk(rt_server)
    yield c
    c.close()


@pytest.fixture(scope="module")
def installed(client, wheel):
    """The test runtime, built by its setup.sh from the local files (streaming install)."""
    for p in PROBES:
        assert not os.path.exists(p)
    files = source_files("--no-index wheels/*.whl") + [{"path": f"wheels/{wheel.name}", "content": wheel.read_bytes()}]
    started = time.monotonic()
    events = list(client.runtimes.install_runtime_from_local("pyrt:3.11-test", files, stream=True))
    seconds = time.monotonic() - started
    print(f"runtime install (setup.sh, venv + one wheel): {seconds:.1f} s")
    return events


def test_streaming_local_install_reports_steps_output_and_result(installed):
    progress = [e for e in installed if e["type"] == "progress"]
    assert [p["step"] for p in progress] == [1, 2, 3, 4], progress
    assert all(p["total_steps"] == 4 for p in progress)
    output = b"".join(e["data"] for e in installed if e["type"] == "log").decode()
    assert "building pyrt:3.11-test into /opt/joblet/runtimes/pyrt-3.11-test" in output, output
    assert "JOBLET_CHROOT=true" in output and "setup finished" in output, output
    results = [e for e in installed if e["type"] == "result"]
    assert len(results) == 1 and installed[-1] is results[0]
    assert results[0]["success"], results[0]
    assert results[0]["runtime_spec"] == "pyrt-3.11-test"
    assert results[0]["install_path"].endswith("/runtimes/pyrt-3.11-test")


def test_setup_sh_writes_in_the_builder_never_reach_the_host(installed):
    output = b"".join(e["data"] for e in installed if e["type"] == "log").decode()
    for p in PROBES:
        assert f"wrote {p}" in output, output  # the script did write them, in its own view
        assert not os.path.exists(p), f"{p} reached the host"
    assert "shadow hidden" in output and "root holds: 0; opt holds: joblet\n" in output, output


def test_a_job_with_the_runtime_imports_the_package_and_one_without_cannot(client, installed):
    st, out = run_to_end(client, "sh", ["-c", f"echo RT_MARK=$RT_MARK; python3 -c 'import {PACKAGE}; print(\"imported\")'"],
                         runtime="pyrt-3.11-test")
    assert st["status"] == "COMPLETED", (st, out)
    assert "RT_MARK=from-runtime" in out and "imported" in out, out
    # The colon form names the same runtime.
    st, out = run_to_end(client, "python3", ["-c", f"import {PACKAGE}"], runtime="pyrt:3.11-test")
    assert st["status"] == "COMPLETED", (st, out)
    st, out = run_to_end(client, "python3", ["-c", f"import {PACKAGE}"])
    assert st["status"] == "FAILED" and st["exit_code"] == 1, (st, out)
    assert "No module named" in out, out


def test_the_request_environment_wins_over_the_runtime_and_mounts_are_read_only(client, installed):
    st, out = run_to_end(client, "sh", ["-c", "echo RT_MARK=$RT_MARK; touch /opt/venv/x && echo wrote || echo refused"],
                         runtime="pyrt-3.11-test", environment={"RT_MARK": "from-request"})
    assert st["status"] == "COMPLETED", (st, out)
    assert "RT_MARK=from-request" in out and "refused" in out, out


def test_unknown_runtime_is_refused_naming_the_installed_ones(client, installed):
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "true", [], runtime="nosuch-1.0")
    assert "nosuch-1.0" in msg and "pyrt-3.11-test" in msg, msg
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "true", [], runtime="../etc")
    assert "not valid" in msg, msg


def test_a_workflow_with_an_unknown_runtime_is_refused(client, installed):
    yaml = "jobs:\n  a:\n    command: python3\n    args: ['-c', 'import termcolor']\n    runtime: nosuch-2.0\n"
    msg = sdk_fails(client.jobs.run_workflow, grpc.StatusCode.INVALID_ARGUMENT, "wf-unknown-runtime", yaml)
    assert "nosuch-2.0" in msg, msg
    ok = "jobs:\n  a:\n    command: python3\n    args: ['-c', 'import termcolor']\n    runtime: pyrt:3.11-test\n"
    w = client.jobs.run_workflow("wf-runtime", ok)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        st = client.jobs.get_workflow_status(w["workflow_uuid"])["workflow"]
        if st["status"] in ("COMPLETED", "FAILED", "STOPPED", "CANCELED"):
            break
        time.sleep(0.1)
    assert st["status"] == "COMPLETED", st


def test_list_info_validate(client, installed):
    runtimes = {r["name"]: r for r in client.runtimes.list_runtimes()}
    rt = runtimes["pyrt-3.11-test"]
    assert rt["language"] == "python" and rt["version"] == "3.11" and rt["available"]
    assert rt["packages"] == [PACKAGE] and rt["size_bytes"] > 10_000, rt
    assert rt["requirements"] == {"architectures": ["amd64"], "gpu": False}
    info = client.runtimes.get_runtime_info("pyrt:3.11-test")
    assert info["name"] == "pyrt-3.11-test" and info["size_bytes"] == rt["size_bytes"]
    with pytest.raises(Exception, match="not found"):
        client.runtimes.get_runtime_info("nosuch-3.0")  # found=false, as upstream
    v = client.runtimes.validate_runtime_spec("pyrt:3.11-test@amd64")
    assert v["valid"] and v["normalized_spec"] == "pyrt-3.11-test", v
    assert v["spec_info"] == {"language": "pyrt", "version": "3.11", "variants": ["test"], "architecture": "amd64"}
    assert "is installed" in v["message"], v
    v = client.runtimes.validate_runtime_spec("python-3.12-ml")
    assert v["valid"] and "not installed" in v["message"], v
    v = client.runtimes.validate_runtime_spec("bad name!")
    assert not v["valid"] and "not valid" in v["message"], v


def test_test_runtime_runs_the_manifest_command_in_a_job(client, installed):
    r = client.runtimes.test_runtime("pyrt-3.11-test")
    assert r["success"] and r["exit_code"] == 0, r
    assert f"{PACKAGE} imported from /opt/venv/" in r["output"], r


def test_test_runtime_reports_a_failing_or_missing_test(client):
    bad = prebuilt("badtest-1").copy()
    bad[0] = {"path": "runtime.yml", "content": bad[0]["content"].replace(b"test: hello-badtest-1", b"test: echo broken; exit 3")}
    client.runtimes.install_runtime_from_local("badtest-1", bad)
    r = client.runtimes.test_runtime("badtest-1")
    assert not r["success"] and r["exit_code"] == 3 and r["output"] == "broken\n", r
    assert "FAILED (exit 3)" in r["error"], r
    client.runtimes.install_runtime_from_local("notest-1", [{"path": "runtime.yml", "content": b"name: notest-1\n"}])
    r = client.runtimes.test_runtime("notest-1")
    assert not r["success"] and "no test command" in r["error"], r
    for name in ("badtest-1", "notest-1"):
        assert client.runtimes.remove_runtime(name)["success"]


def test_viewer_lists_and_is_refused_install_and_remove(rt_server, installed):
    v = sdk(rt_server, "viewer")
    try:
        assert "pyrt-3.11-test" in [r["name"] for r in v.runtimes.list_runtimes()]
        assert v.runtimes.validate_runtime_spec("pyrt-3.11-test")["valid"]
        msg = sdk_fails(v.runtimes.install_runtime_from_local, grpc.StatusCode.PERMISSION_DENIED, "x-1",
                        [{"path": "runtime.yml", "content": b"name: x\n"}])
        assert "viewer" in msg and "install_runtime_from_local" in msg, msg
        sdk_fails(v.runtimes.remove_runtime, grpc.StatusCode.PERMISSION_DENIED, "pyrt-3.11-test")
        sdk_fails(v.runtimes.test_runtime, grpc.StatusCode.PERMISSION_DENIED, "pyrt-3.11-test")
    finally:
        v.close()


def prebuilt(name, extra=""):
    """A runtime without setup.sh: its files are the runtime (quick to install)."""
    yml = f"name: {name}\nlanguage: shell\nversion: '1'\nmounts:\n  - {{source: isolated/bin, target: /opt/{name}/bin}}\n" \
          f"environment: {{PATH_PREPEND: /opt/{name}/bin}}\ntest: hello-{name}\n{extra}"
    return [{"path": "runtime.yml", "content": yml.encode()},
            {"path": f"isolated/bin/hello-{name}", "content": f"#!/bin/sh\necho hello from {name}\n".encode(), "executable": True}]


def test_remove_while_in_use_is_refused_then_frees_the_space(client, rt_server):
    r = client.runtimes.install_runtime_from_local("tiny-1.0", prebuilt("tiny-1.0"))
    assert r["status"] == "completed", r
    sdk_fails(client.runtimes.install_runtime_from_local, grpc.StatusCode.ALREADY_EXISTS, "tiny-1.0", prebuilt("tiny-1.0"))
    st, out = run_to_end(client, "hello-tiny-1.0", [], runtime="tiny-1.0")
    assert st["status"] == "COMPLETED" and out == "hello from tiny-1.0\n", (st, out)
    job = client.jobs.run_job("sleep", ["30"], runtime="tiny-1.0")
    wait_status(client, job["job_uuid"], ("RUNNING",))
    msg = sdk_fails(client.runtimes.remove_runtime, grpc.StatusCode.FAILED_PRECONDITION, "tiny:1.0")
    assert job["job_uuid"] in msg, msg
    client.jobs.stop_job(job["job_uuid"])
    wait_status(client, job["job_uuid"])
    r = client.runtimes.remove_runtime("tiny:1.0")
    assert r["success"] and r["freed_space_bytes"] > 0, r
    assert not (rt_server.data / "runtimes" / "tiny-1.0").exists()
    assert "tiny-1.0" not in [x["name"] for x in client.runtimes.list_runtimes()]
    sdk_fails(client.runtimes.remove_runtime, grpc.StatusCode.NOT_FOUND, "tiny-1.0")


def test_force_reinstall_replaces_and_bad_manifests_leave_nothing(client, rt_server):
    client.runtimes.install_runtime_from_local("tiny-2.0", prebuilt("tiny-2.0"))
    r = client.runtimes.install_runtime_from_local("tiny-2.0", prebuilt("tiny-2.0", "description: second\n"), force_reinstall=True)
    assert r["status"] == "completed", r
    assert client.runtimes.get_runtime_info("tiny-2.0")["description"] == "second"
    # Not while a job uses it: the old tree would go away under the job.
    job = client.jobs.run_job("sleep", ["30"], runtime="tiny-2.0")
    wait_status(client, job["job_uuid"], ("RUNNING",))
    msg = sdk_fails(client.runtimes.install_runtime_from_local, grpc.StatusCode.FAILED_PRECONDITION, "tiny-2.0",
                    prebuilt("tiny-2.0", "description: third\n"), force_reinstall=True)
    assert job["job_uuid"] in msg and "in use" in msg, msg
    client.jobs.stop_job(job["job_uuid"])
    wait_status(client, job["job_uuid"])
    assert client.runtimes.get_runtime_info("tiny-2.0")["description"] == "second"
    # A mount source that leads out of the runtime through a symlink is refused.
    escape = [{"path": "runtime.yml", "content": b"name: esc\nmounts:\n  - {source: link, target: /opt/x}\n"},
              {"path": "setup.sh", "content": b"ln -s /etc \"$RUNTIME_DIR/link\"\ncp runtime.yml \"$RUNTIME_DIR/\"\n"}]
    msg = sdk_fails(client.runtimes.install_runtime_from_local, grpc.StatusCode.INVALID_ARGUMENT, "esc-1", escape)
    assert "outside the runtime" in msg, msg
    failing = [{"path": "setup.sh", "content": b"echo partial > \"$RUNTIME_DIR/file\"; echo about to fail; exit 7\n"}]
    msg = sdk_fails(client.runtimes.install_runtime_from_local, grpc.StatusCode.FAILED_PRECONDITION, "fail-1", failing)
    assert "exit 7" in msg and "about to fail" in msg, msg
    root = rt_server.data / "runtimes"
    names = {p.name for p in root.iterdir()}
    assert not names & {"esc-1", "fail-1"}, names
    assert list((root / ".staging").iterdir()) == []


def test_a_second_install_of_a_name_under_way_is_aborted(client):
    slow = [{"path": "setup.sh", "content": b"echo started; sleep 3; cp runtime.yml \"$RUNTIME_DIR/\"; mkdir \"$RUNTIME_DIR/isolated\"\n"},
            {"path": "runtime.yml", "content": b"name: slow-1\nmounts:\n  - {source: isolated, target: /opt/slow}\n"}]
    stream = client.runtimes.install_runtime_from_local("slow-1", slow, stream=True)
    first = next(stream)
    assert first["type"] == "progress", first
    sdk_fails(client.runtimes.install_runtime_from_local, grpc.StatusCode.ABORTED, "slow:1", slow)
    rest = list(stream)
    assert rest[-1]["type"] == "result" and rest[-1]["success"], rest[-1]
    assert client.runtimes.remove_runtime("slow-1")["success"]


def test_install_from_a_git_repository_on_loopback_with_pip_from_pypi(client, rt_server, github):
    # As users do: pip fetches the package from PyPI inside the builder.
    Repository.tarballs["/acme/runtimes/tar.gz/refs/heads/main"] = tarball(
        "runtimes-main", [{"path": "README.md", "content": b"runtimes\n"}] +
        [dict(f, path="python/" + f["path"]) for f in source_files(PACKAGE)])
    started = time.monotonic()
    r = client.runtimes.install_runtime_from_github("pyrt-gh", "https://github.com/acme/runtimes.git", branch="main", path="python")
    print(f"runtime install from the loopback repository (pip from PyPI): {time.monotonic() - started:.1f} s")
    assert r["status"] == "completed" and r["repository"] == "https://github.com/acme/runtimes.git", r
    assert r["resolved_path"] == "python", r
    st, out = run_to_end(client, "python3", ["-c", f"import {PACKAGE}; print('ok', {PACKAGE}.__file__)"], runtime="pyrt-gh")
    assert st["status"] == "COMPLETED" and "ok /opt/venv/" in out, (st, out)
    for p in PROBES:
        assert not os.path.exists(p)
    msg = sdk_fails(client.runtimes.install_runtime_from_github, grpc.StatusCode.NOT_FOUND, "pyrt-gh2", "acme/runtimes", branch="nope")
    assert "404" in msg and "nope" in msg, msg
    Repository.tarballs["/acme/junk/tar.gz/refs/heads/main"] = b"not a tarball at all"
    msg = sdk_fails(client.runtimes.install_runtime_from_github, grpc.StatusCode.INVALID_ARGUMENT, "junk-1", "acme/junk")
    assert "not a gzip tarball" in msg, msg
    msg = sdk_fails(client.runtimes.install_runtime_from_github, grpc.StatusCode.INVALID_ARGUMENT, "junk-1", "a/b/c")
    assert "owner/name" in msg, msg
    # The streaming variant, with a repository holding a prebuilt runtime.
    Repository.tarballs["/acme/tiny/tar.gz/refs/heads/dev"] = tarball("tiny-dev", prebuilt("tiny-gh"))
    events = list(client.runtimes.install_runtime_from_github("tiny-gh", "acme/tiny", branch="dev", stream=True))
    assert [e["step"] for e in events if e["type"] == "progress"] == [1, 2, 3, 4], events
    assert events[-1]["type"] == "result" and events[-1]["success"], events[-1]
    assert client.runtimes.test_runtime("tiny-gh")["output"] == "hello from tiny-gh\n"


def test_an_install_killed_midway_leaves_no_trace_after_restart(certs, workdir, stubs):
    data = workdir / "data-runtimes-kill"
    s = start_jobletd(certs, data)
    c = sdk(s)
    assert c.runtimes.install_runtime_from_local("kept-1", prebuilt("kept-1"))["status"] == "completed"
    c.close()
    token = f"100.{int(TAG, 16) % 10**9}"  # a unique argument to find the builder's sleep by
    files = [{"path": "setup.sh", "content": f"echo started; echo partial > \"$RUNTIME_DIR/partial\"; sleep {token}\n".encode()},
             {"path": "runtime.yml", "content": b"name: killed-1\n"}]
    c = sdk(s)
    try:
        stream = c.runtimes.install_runtime_from_local("killed-1", files, stream=True)
        for e in stream:
            if e["type"] == "log" and b"started" in e["data"]:
                break
        staging = data / "runtimes" / ".staging"
        assert len(list(staging.iterdir())) == 1
        deadline = time.monotonic() + 10
        while not sleeping(token) and time.monotonic() < deadline:  # its shell is about to exec sleep
            time.sleep(0.02)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        assert sleeping(token), "the builder should outlive jobletd (as jobs do) until the restart sweeps it"
    finally:
        c.close()
        stop_jobletd(s)
    s = start_jobletd(certs, data)
    try:
        deadline = time.monotonic() + 10
        while sleeping(token) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sleeping(token), "the interrupted builder still runs after the restart"
        assert list((data / "runtimes" / ".staging").iterdir()) == []
        assert not (data / "runtimes" / "killed-1").exists()
        c = sdk(s)
        # What was installed before stays installed and usable; the interrupted one left nothing.
        assert [r["name"] for r in c.runtimes.list_runtimes()] == ["kept-1"]
        st, out = run_to_end(c, "hello-kept-1", [], runtime="kept-1")
        assert st["status"] == "COMPLETED" and out == "hello from kept-1\n", (st, out)
        c.close()
    finally:
        stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


def sleeping(token):
    for p in pathlib.Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if f"sleep\0{token}".encode() in (p / "cmdline").read_bytes():
                    return True
            except OSError:
                pass
    return False


def test_rnx_runtime_commands(rt_server, tmp_path):
    from test_rnx import rnx
    src = tmp_path / "tiny-rnx"
    (src / "isolated" / "bin").mkdir(parents=True)
    (src / "runtime.yml").write_text("name: tiny-rnx\nlanguage: shell\nversion: '2'\nmounts:\n"
                                     "  - {source: isolated/bin, target: /opt/tiny/bin}\n"
                                     "environment: {PATH_PREPEND: /opt/tiny/bin}\ntest: hello-rnx\n")
    (src / "setup.sh").write_text("echo building with rnx\ncp -a isolated runtime.yml \"$RUNTIME_DIR/\"\n")
    hello = src / "isolated" / "bin" / "hello-rnx"
    hello.write_text("#!/bin/sh\necho hello from rnx\n")
    hello.chmod(0o755)
    r = rnx("runtime", "install", str(src), server=rt_server)
    assert r.returncode == 0, r
    assert "building with rnx" in r.stdout and "tiny-rnx installed" in r.stdout, r.stdout
    assert "[####################] 4/4" in r.stderr and "1/4" in r.stderr, r.stderr
    r = rnx("runtime", "install", str(src), server=rt_server)
    assert r.returncode != 0 and "already installed" in r.stderr and "--force" in r.stderr, r
    r = rnx("runtime", "list", server=rt_server)
    assert r.returncode == 0 and "tiny-rnx" in r.stdout and "shell" in r.stdout, r
    r = rnx("runtime", "info", "tiny:rnx", server=rt_server)
    assert r.returncode == 0 and "Version:      2" in r.stdout, r
    r = rnx("runtime", "validate", "tiny:rnx@amd64", server=rt_server)
    assert r.returncode == 0 and "valid: tiny-rnx" in r.stdout and "architecture amd64" in r.stdout, r
    r = rnx("runtime", "test", "tiny-rnx", server=rt_server)
    assert r.returncode == 0 and "hello from rnx" in r.stdout and "test passed" in r.stdout, r
    r = rnx("run", "--runtime=tiny-rnx", "--follow", "hello-rnx", server=rt_server)
    assert r.returncode == 0 and "hello from rnx" in r.stdout, r
    r = rnx("run", "--runtime=nosuch", "true", server=rt_server)
    assert r.returncode != 0 and "not installed" in r.stderr and "tiny-rnx" in r.stderr, r
    r = rnx("runtime", "remove", "tiny-rnx", server=rt_server)
    assert r.returncode == 0 and "removed" in r.stdout, r
    r = rnx("runtime", "install", "x", "--github-repo", "acme/nothere", server=rt_server)
    assert r.returncode != 0 and "404" in r.stderr, r


def test_github_download_and_unpacked_size_are_limited(certs, workdir, stubs, github):
    config = workdir / "runtimes-small-config.yml"
    config.write_text(f"runtimes:\n  githubBaseURL: {github}\n  githubMaxBytes: 100000\n")
    s = start_jobletd(certs, workdir / "data-runtimes-small", "--config", str(config))
    c = sdk(s)
    try:
        # 1 MB of zeros: a tarball of about 1 KB that unpacks past the limit.
        Repository.tarballs["/acme/bomb/tar.gz/refs/heads/main"] = tarball(
            "bomb-main", [{"path": "runtime.yml", "content": b"name: bomb\n"}, {"path": "zeros", "content": bytes(1_000_000)}])
        msg = sdk_fails(c.runtimes.install_runtime_from_github, grpc.StatusCode.RESOURCE_EXHAUSTED, "bomb-1", "acme/bomb")
        assert "unpacks to more than 100000 bytes" in msg and "runtimes.githubMaxBytes" in msg, msg
        Repository.tarballs["/acme/big/tar.gz/refs/heads/main"] = os.urandom(200_000)
        msg = sdk_fails(c.runtimes.install_runtime_from_github, grpc.StatusCode.RESOURCE_EXHAUSTED, "big-1", "acme/big")
        assert "larger than 100000 bytes" in msg, msg
        assert list((s.data / "runtimes" / ".staging").iterdir()) == []
    finally:
        c.close()
        stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


APT_SETUP_SH = """\
#!/bin/sh
set -eu
# apt and dpkg as root in the builder: they chown, chmod and switch to the _apt user. The host's
# package lists are in the builder's view (an overlay); fetch them only where the host has none.
apt-cache policy hello | grep -q 'Candidate: [0-9]' || apt-get update -q
apt-get install -y -q --no-install-recommends hello
mkdir -p "$RUNTIME_DIR/isolated/opt/hello/bin"
cp /usr/bin/hello "$RUNTIME_DIR/isolated/opt/hello/bin/hello"
echo "dpkg says: $(dpkg-query -W -f='${Status}' hello)"
"""

APT_RUNTIME_YML = """\
name: hello-2
language: c
version: "2"
mounts:
  - {source: isolated/opt/hello, target: /opt/hello}
environment:
  PATH_PREPEND: /opt/hello/bin
test: hello
"""


def test_setup_sh_may_use_apt_and_the_host_gets_nothing(client):
    assert not os.path.exists("/usr/bin/hello"), "this test needs a host without GNU hello"
    files = [{"path": "setup.sh", "content": APT_SETUP_SH.encode(), "executable": True},
             {"path": "runtime.yml", "content": APT_RUNTIME_YML.encode()}]
    started = time.monotonic()
    events = list(client.runtimes.install_runtime_from_local("hello-2", files, stream=True))
    output = b"".join(e["data"] for e in events if e["type"] == "log").decode()
    print(f"runtime install with apt-get: {time.monotonic() - started:.1f} s")
    assert events[-1]["type"] == "result" and events[-1]["success"], (events[-1], output[-2000:])
    assert "dpkg says: install ok installed" in output, output[-2000:]
    # The package went into the builder's throwaway /usr, never the host's.
    assert not os.path.exists("/usr/bin/hello")
    assert subprocess.run(["dpkg-query", "-W", "hello"], capture_output=True).returncode != 0
    st, out = run_to_end(client, "hello", [], runtime="hello-2")
    assert st["status"] == "COMPLETED" and out == "Hello, world!\n", (st, out)
    client.runtimes.remove_runtime("hello-2")
