"""rnx, the built binary, against a real jobletd over mutual TLS: connection settings, errors,
and the job commands (run → status → log → list → stop → delete; viewer can list, not run).

Job tests need joblet.JobService on the server. While a server answers UNIMPLEMENTED for it,

"""
import json
import os
import pathlib
import re
import subprocess
import textwrap
import time

import pytest

from conftest import BUILD

RNX = BUILD / "rnx"
COMMANDS = ["run", "status", "list", "stop", "cancel", "delete", "delete-all", "log"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def rnx(*args, server=None, identity="admin", env=None, cwd=None, timeout=60):
    """Runs rnx with the global flags before the command, as Joblet's docs write them."""
    assert RNX.exists(), f"{RNX} missing: run swift build first"
    flags = []
    if server is not None:
        flags = ["--server", server.target, "--cert", str(server.certs / f"{identity}-client-cert.pem"),
                 "--key", str(server.certs / f"{identity}-client-key.pem"), "--ca", str(server.certs / "ca-cert.pem")]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("JOBLET_") and k != "RNX_CONFIG"}
    full_env.update(env or {})
    return subprocess.run([str(RNX), *flags, *args], capture_output=True, text=True, env=full_env, cwd=cwd,
                          timeout=timeout)


def one_line_error(result):
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnx: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def job_service(server):
    """The shared server; its JobService answers reads."""
    r = rnx("list", server=server)
    assert r.returncode == 0, r.stderr
    return server


@pytest.fixture(scope="module")
def jobs(server):
    """The shared server, which runs jobs on the local backend."""
    r = rnx("run", "true", server=server)
    assert r.returncode == 0, r.stderr
    return server


def run_job(server, *args):
    r = rnx("run", *args, server=server)
    assert r.returncode == 0, r.stderr
    m = re.search(r"^ID:\s+(\S+)$", r.stdout, re.M)
    assert m and UUID.fullmatch(m.group(1)), r.stdout
    return m.group(1)


def status_of(server, job_id):
    r = rnx("status", "--json", job_id, server=server)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def wait_status(server, job_id, wanted, timeout=20):
    deadline = time.time() + timeout
    while True:
        s = status_of(server, job_id)
        if s["status"] in wanted or time.time() > deadline:
            return s
        time.sleep(0.1)


# --- no server needed --------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command):
    r = rnx(command, "--help")
    assert r.returncode == 0, r.stderr
    assert "Examples:" in r.stdout and f"rnx {command}" in r.stdout
    assert "--server" in r.stdout


def test_missing_certificate_is_one_line_naming_it_and_the_fix(tmp_path):
    r = rnx("list", cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert one_line_error(r) == ("rnx: client certificate ./certs/admin-client-cert.pem not found "
                                 "(the default; set --cert, JOBLET_CERT_PATH or a node in ~/.rnx/rnx-config.yml)")


def test_usage_errors_exit_1_in_one_line():
    assert "missing expected argument '<id>'" in one_line_error(rnx("status"))
    assert "unknown option '--bogus'" in one_line_error(rnx("run", "--bogus", "echo"))


def test_bad_config_yaml_names_the_file(tmp_path):
    (tmp_path / ".rnx").mkdir()
    (tmp_path / ".rnx" / "rnx-config.yml").write_text("nodes: [unclosed\n")
    line = one_line_error(rnx("list", env={"HOME": str(tmp_path)}))
    assert f"{tmp_path}/.rnx/rnx-config.yml is not valid YAML" in line


# --- against jobletd ---------------------------------------------------------------------------

def test_unreachable_server_is_one_line(certs):
    r = rnx("list", "--server", "127.0.0.1:1", "--cert", str(certs / "admin-client-cert.pem"),
            "--key", str(certs / "admin-client-key.pem"), "--ca", str(certs / "ca-cert.pem"))
    assert one_line_error(r) == "rnx: jobletd at 127.0.0.1:1 is unavailable: Connection refused"


def test_unimplemented_or_working_list(server):
    """Either the JobService works, or rnx says plainly that it is not there yet."""
    r = rnx("list", server=server)
    if r.returncode != 0:
        assert one_line_error(r) == "rnx: not implemented yet: /joblet.JobService/ListJobs"


def test_environment_variables_and_inline_config_connect(job_service, tmp_path):
    jobs = job_service
    c = jobs.certs
    env = {"JOBLET_SERVER": jobs.target, "JOBLET_CERT_PATH": str(c / "admin-client-cert.pem"),
           "JOBLET_KEY_PATH": str(c / "admin-client-key.pem"), "JOBLET_CA_PATH": str(c / "ca-cert.pem"),
           "HOME": str(tmp_path)}
    assert rnx("list", env=env).returncode == 0

    def inline(name):
        return textwrap.indent((c / name).read_text(), " " * 6)
    (tmp_path / ".rnx").mkdir()
    (tmp_path / ".rnx" / "rnx-config.yml").write_text(
        f"version: \"3.0\"\nnodes:\n  default:\n    address: \"{jobs.target}\"\n"
        f"    cert: |\n{inline('admin-client-cert.pem')}    key: |\n{inline('admin-client-key.pem')}"
        f"    ca: |\n{inline('ca-cert.pem')}"
        f"  viewer:\n    address: \"{jobs.target}\"\n"
        f"    cert: |\n{inline('viewer-client-cert.pem')}    key: |\n{inline('viewer-client-key.pem')}"
        f"    ca: |\n{inline('ca-cert.pem')}")
    home = {"HOME": str(tmp_path)}
    assert rnx("list", env=home).returncode == 0, rnx("list", env=home).stderr
    denied = rnx("--node", "viewer", "run", "true", env=home)
    assert "permission denied" in one_line_error(denied)
    assert "node 'nope' not found" in one_line_error(rnx("--node", "nope", "list", env=home))


def test_run_follow_streams_output_with_env_and_secrets(jobs):
    r = rnx("run", "--follow", "--env", "A=1", "--secret-env", "S=x", "--", "sh", "-c", "echo $A; echo $S", server=jobs)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "1\nx\n"
    r = rnx("run", "--follow", "--", "python3", "-c", "print(1)", server=jobs)
    assert (r.returncode, r.stdout) == (0, "1\n"), r.stderr


def test_run_follow_exits_with_the_jobs_code(jobs):
    r = rnx("run", "--follow", "sh", "-c", "echo before; exit 3", server=jobs)
    assert r.returncode == 3, r.stderr
    assert r.stdout == "before\n"


def test_secret_values_are_never_shown(jobs):
    job_id = run_job(jobs, "--secret-env", "TOKEN=hunter2", "true")
    wait_status(jobs, job_id, {"COMPLETED"})
    for args in (("status", job_id), ("status", "--json", job_id), ("list",), ("list", "--json")):
        r = rnx(*args, server=jobs)
        assert r.returncode == 0 and "hunter2" not in r.stdout, (args, r.stdout)


def test_uploads_land_with_their_modes(jobs, tmp_path):
    (tmp_path / "tool.sh").write_text("#!/bin/sh\necho tool ran\n")
    (tmp_path / "tool.sh").chmod(0o755)
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "f.txt").write_text("payload\n")
    r = rnx("run", "--follow", "--upload", str(tmp_path / "tool.sh"), "--upload", str(tmp_path / "data"),
            "--", "sh", "-c", "./tool.sh; cat data/sub/f.txt; stat -c %a tool.sh", server=jobs)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "tool ran\npayload\n755\n"


def test_lifecycle_run_status_log_list_stop_delete(jobs):
    job_id = run_job(jobs, "--name", "sleeper", "--max-memory", "64", "sh", "-c", "echo started; sleep 30")
    s = wait_status(jobs, job_id, {"RUNNING"})
    assert s["status"] == "RUNNING" and s["name"] == "sleeper" and s["max_memory"] == 64

    # A prefix is enough; --follow=false prints what is there and exits while the job runs.
    deadline = time.time() + 10
    while True:
        r = rnx("log", "--follow=false", job_id[:8], server=jobs, timeout=15)
        assert r.returncode == 0, r.stderr
        if r.stdout == "started\n" or time.time() > deadline:
            break
        time.sleep(0.2)
    assert r.stdout == "started\n"

    table = rnx("list", server=jobs)
    assert table.returncode == 0
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "STATUS", "START", "DURATION", "COMMAND"]
    row = next(line for line in rows if line.startswith(job_id[:8]))
    assert "sleeper" in row and "RUNNING" in row and "sh -c 'echo started; sleep 30'" in row
    assert row.index("RUNNING") == header.index("STATUS"), "columns are aligned"
    listed = json.loads(rnx("list", "--json", server=jobs).stdout)
    assert any(j["id"] == job_id and j["status"] == "RUNNING" for j in listed)

    stopped = rnx("stop", job_id, server=jobs)
    assert stopped.returncode == 0, stopped.stderr
    assert "STOPPED" in stopped.stdout
    assert status_of(jobs, job_id)["status"] == "STOPPED"

    again = rnx("stop", job_id, server=jobs)
    assert "job is not running" in one_line_error(again)

    log = rnx("log", job_id, server=jobs)
    assert log.stdout == "started\n" and log.returncode == 1, "log exits non-zero for a stopped job"

    deleted = rnx("delete", job_id, server=jobs)
    assert deleted.returncode == 0, deleted.stderr
    assert one_line_error(rnx("status", job_id, server=jobs)) == f"rnx: job not found: {job_id}"


def test_unknown_job_is_one_line(job_service):
    jobs = job_service
    for command in ("status", "log", "stop", "delete"):
        assert one_line_error(rnx(command, "00000000-dead", server=jobs)) == "rnx: job not found: 00000000-dead"


def test_schedule_then_cancel(jobs):
    job_id = run_job(jobs, "--schedule", "in 1h", "echo", "never")
    s = status_of(jobs, job_id)
    assert s["status"] == "SCHEDULED" and s["scheduled_time"]
    r = rnx("cancel", job_id, server=jobs)
    assert r.returncode == 0 and "CANCELED" in r.stdout, r.stderr


def test_schedule_relative_runs_soon(jobs):
    r = rnx("run", "--follow", "--schedule", "+1s", "echo", "later", server=jobs, timeout=30)
    assert (r.returncode, r.stdout) == (0, "later\n"), r.stderr


def test_viewer_can_list_and_read_but_not_run_or_stop(jobs):
    job_id = run_job(jobs, "echo", "hi")
    wait_status(jobs, job_id, {"COMPLETED"})
    assert rnx("list", server=jobs, identity="viewer").returncode == 0
    assert rnx("status", job_id, server=jobs, identity="viewer").returncode == 0
    assert rnx("log", job_id, server=jobs, identity="viewer").stdout == "hi\n"
    line = one_line_error(rnx("run", "echo", "no", server=jobs, identity="viewer"))
    assert line.startswith("rnx: permission denied: ") and "viewer" in line
    assert "permission denied" in one_line_error(rnx("delete", job_id, server=jobs, identity="viewer"))


def test_delete_all_keeps_running_jobs(jobs):
    done = run_job(jobs, "true")
    wait_status(jobs, done, {"COMPLETED"})
    running = run_job(jobs, "sleep", "30")
    wait_status(jobs, running, {"RUNNING"})
    r = rnx("delete-all", server=jobs)
    assert r.returncode == 0, r.stderr
    assert re.search(r"Deleted \d+ job\(s\); skipped [1-9]\d* not finished", r.stdout), r.stdout
    assert one_line_error(rnx("status", done, server=jobs)).startswith("rnx: job not found")
    assert status_of(jobs, running)["status"] == "RUNNING"
    assert rnx("stop", running, server=jobs).returncode == 0
