"""What users hit first (issue 18): per-message compression both ways, oversized header lists,
echoed names, uploads over 4 MiB, failure reasons in logs, rnx in Joblet's layout, jobletd's
--version and config checks, the generated rnx-config, install files."""
import gzip
import socket
import ssl
import struct

import grpc
import pytest

# bounded_time is an autouse fixture: importing it bounds every test in this module.
from jobhelpers import bounded_time  # noqa: F401

TIME_LIMIT = 180


# ---------------------------------------------------------------------------------------------
# Raw HTTP/2 (the `h2` package) so that flags and headers are seen exactly as they travel.

class RawCall:
    """One gRPC call over its own TLS connection, driven by the h2 package."""

    def __init__(self, server, path, body, headers=(), end=True):
        import h2.config
        import h2.connection
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(str(server.certs / "ca-cert.pem"))
        ctx.load_cert_chain(str(server.certs / "admin-client-cert.pem"), str(server.certs / "admin-client-key.pem"))
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        # Our own header list may be far past the server's announced limit: that is the test.
        self.conn.local_settings.max_header_list_size = 1 << 20
        self.conn.initiate_connection()
        self.sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(self.sid, [(":method", "POST"), (":scheme", "https"), (":path", path),
                                          (":authority", "localhost"), ("content-type", "application/grpc"),
                                          ("te", "trailers"), *headers])
        # One DATA frame: every message of `body` reaches the server in one read.
        self.conn.send_data(self.sid, body, end_stream=end)
        self.sock.sendall(self.conn.data_to_send())
        self.headers, self.trailers, self.data = None, None, b""

    def finish(self):
        import h2.events
        ended = False
        for _ in range(10_000):
            if ended:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            for ev in self.conn.receive_data(chunk):
                if isinstance(ev, h2.events.ResponseReceived):
                    self.headers = dict(ev.headers)
                elif isinstance(ev, h2.events.TrailersReceived):
                    self.trailers = dict(ev.headers)
                elif isinstance(ev, h2.events.DataReceived):
                    self.data += ev.data
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    ended = True
            self.sock.sendall(self.conn.data_to_send())
        self.sock.close()
        return self

    @property
    def status(self):
        block = self.trailers or self.headers or {}
        return int(block.get("grpc-status", "-1")), block.get("grpc-message", "")

    def messages(self):
        """[(compressed flag, payload bytes decompressed)] as sent."""
        out, d = [], self.data
        while len(d) >= 5:
            flag, n = d[0], struct.unpack(">I", d[1:5])[0]
            payload = d[5:5 + n]
            out.append((flag, gzip.decompress(payload) if flag == 1 else payload))
            d = d[5 + n:]
        assert d == b"", "a partial message was left"
        return out


def frame(message: bytes, compressed: bool) -> bytes:
    payload = gzip.compress(message) if compressed else message
    return bytes([1 if compressed else 0]) + struct.pack(">I", len(payload)) + payload


@pytest.fixture(scope="module")
def pb(stubs):
    import messages_pb2
    return messages_pb2


@pytest.mark.parametrize("order", [(True, False), (False, True)])
def test_client_compressed_streaming_flags_travel_with_each_message_in_one_data_frame(server, pb, order):
    """gRPC interop client_compressed_streaming, with both messages in one DATA frame. The server
    refuses a message whose expect_compressed is true but which arrived uncompressed."""
    body = b""
    # Zeros compress well; the plain message stays small, so the body fits one 16 KiB frame.
    sizes = [27182 if c else 1828 for c in order]
    for compressed, size in zip(order, sizes):
        req = pb.StreamingInputCallRequest(expect_compressed=pb.BoolValue(value=compressed), payload=pb.Payload(body=b"\0" * size))
        body += frame(req.SerializeToString(), compressed)
    call = RawCall(server, "/grpc.testing.TestService/StreamingInputCall", body, headers=[("grpc-encoding", "gzip")]).finish()
    assert call.status == (0, ""), call.status
    (flag, payload), = call.messages()
    assert pb.StreamingInputCallResponse.FromString(payload).aggregated_payload_size == sum(sizes)


def test_client_compressed_probe_is_refused(server, pb):
    req = pb.StreamingInputCallRequest(expect_compressed=pb.BoolValue(value=True), payload=pb.Payload(body=b"\0" * 8000))
    call = RawCall(server, "/grpc.testing.TestService/StreamingInputCall", frame(req.SerializeToString(), False),
                   headers=[("grpc-encoding", "gzip")]).finish()
    assert call.status[0] == grpc.StatusCode.INVALID_ARGUMENT.value[0]


@pytest.mark.parametrize("order", [(True, False), (False, True)])
def test_server_compressed_streaming_both_orders(server, pb, order):
    """gRPC interop server_compressed_streaming: grpc-encoding announced up front, and each
    response message's flag as asked, whichever comes first."""
    sizes = [31415, 92653]
    req = pb.StreamingOutputCallRequest(response_parameters=[
        pb.ResponseParameters(size=n, compressed=pb.BoolValue(value=c)) for n, c in zip(sizes, order)])
    call = RawCall(server, "/grpc.testing.TestService/StreamingOutputCall", frame(req.SerializeToString(), False),
                   headers=[("grpc-accept-encoding", "identity,gzip")]).finish()
    assert call.status == (0, ""), call.status
    assert call.headers.get("grpc-encoding") == "gzip"
    got = call.messages()
    assert [f for f, _ in got] == [1 if c else 0 for c in order]
    assert [len(pb.StreamingOutputCallResponse.FromString(p).payload.body) for _, p in got] == sizes


@pytest.mark.parametrize("compressed", [True, False])
def test_server_compressed_unary_flag_as_asked(server, pb, compressed):
    req = pb.SimpleRequest(response_compressed=pb.BoolValue(value=compressed), response_size=314159)
    call = RawCall(server, "/grpc.testing.TestService/UnaryCall", frame(req.SerializeToString(), False),
                   headers=[("grpc-accept-encoding", "gzip")]).finish()
    assert call.status == (0, "")
    assert call.headers.get("grpc-encoding") == "gzip"
    (flag, payload), = call.messages()
    assert flag == (1 if compressed else 0)
    assert len(pb.SimpleResponse.FromString(payload).payload.body) == 314159


def test_grpcio_client_accepts_mixed_compression_stream(server, stubs, pb):
    """The C-core client rejects a compressed message the headers did not announce."""
    import test_pb2_grpc
    with server.channel() as ch:
        stub = test_pb2_grpc.TestServiceStub(ch)
        for order in ((False, True), (True, False)):
            req = pb.StreamingOutputCallRequest(response_parameters=[
                pb.ResponseParameters(size=1000, compressed=pb.BoolValue(value=c)) for c in order])
            assert [len(r.payload.body) for r in stub.StreamingOutputCall(req, timeout=10)] == [1000, 1000]


def test_header_list_over_16_kib_is_resource_exhausted_and_the_server_serves_on(server, pb):
    req = pb.SimpleRequest(response_size=1)
    call = RawCall(server, "/grpc.testing.TestService/UnaryCall", frame(req.SerializeToString(), False),
                   headers=[("x-big", "a" * 20_000)]).finish()
    code, message = call.status
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], call.status
    assert "16384" in message
    ok = RawCall(server, "/grpc.testing.TestService/UnaryCall", frame(req.SerializeToString(), False)).finish()
    assert ok.status == (0, "")


def test_unknown_method_name_is_echoed_truncated(server, pb):
    name = "M" * 8000
    call = RawCall(server, f"/grpc.testing.TestService/{name}", frame(b"", False)).finish()
    code, message = call.status
    assert code == grpc.StatusCode.UNIMPLEMENTED.value[0]
    assert len(message) < 400 and "8000 bytes" in message, message


# ---------------------------------------------------------------------------------------------
# Jobs through the official SDK on a jobletd of this module's own.

from conftest import crash_excerpt, start_jobletd, stop_jobletd  # noqa: E402
from jobhelpers import logs, raw_status, sdk, sdk_fails, wait_status  # noqa: E402
from test_rnx import rnx  # noqa: E402


@pytest.fixture(scope="module")
def ux_server(certs, workdir, stubs):
    s = start_jobletd(certs, workdir / "data-ux")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


@pytest.fixture(scope="module")
def client(ux_server):
    c = sdk(ux_server)
    yield c
    c.close()


def _fails_with_reason(client, command, args, expect, **kwargs):
    job = client.jobs.run_job(command, args, **kwargs)
    st = wait_status(client, job["job_uuid"], timeout=60)
    assert st["status"] == "FAILED", st
    out = logs(client, job["job_uuid"]).decode()
    last = out.rstrip("\n").splitlines()[-1]
    assert last.startswith("[jobletd] job failed: ") and expect in last, out
    return job["job_uuid"], out


def test_a_command_that_cannot_exist_is_refused_at_run_job(client):
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "no-such-command-ux", [])
    assert "no-such-command-ux" in msg and "PATH" in msg, msg
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "/work/missing.sh", [])
    assert "does not exist" in msg, msg
    # Uploaded, relative to the work dir, or on the job's PATH: accepted.
    for command, kwargs in (("./tool.sh", {"work_dir": "/work/bin"}), ("tool.sh", {"environment": {"PATH": "/work/bin:/usr/bin:/bin"}})):
        job = client.jobs.run_job(command, [], uploads=[{"path": "bin", "is_directory": True, "mode": 0o755},
                                                        {"path": "bin/tool.sh", "content": b"#!/bin/sh\necho tool\n", "mode": 0o755}],
                                  **kwargs)
        assert wait_status(client, job["job_uuid"])["status"] == "COMPLETED"
        assert logs(client, job["job_uuid"]) == b"tool\n"


def test_start_failure_reason_is_the_last_log_line(client):
    _fails_with_reason(client, "pwd", [], "cannot enter the working directory", work_dir="not-uploaded")


def test_permission_denied_reason_is_in_the_log(client):
    _fails_with_reason(client, "/work/run.sh", [], "Permission denied",
                       uploads=[{"path": "run.sh", "content": b"#!/bin/sh\necho hi\n", "mode": 0o644}])


def test_signal_reason_is_in_the_log_after_the_jobs_output(client):
    _, out = _fails_with_reason(client, "sh", ["-c", "printf 'partial line'; kill -9 $$"], "killed by signal 9 (SIGKILL)")
    assert out.startswith("partial line\n[jobletd] "), out


def test_oom_reason_is_in_the_log(client):
    _fails_with_reason(client, "python3", ["-c", "b = b'x' * (512 << 20)"], "out of memory (limit 64 MB)", max_memory=64)


def test_plain_non_zero_exits_and_completed_jobs_get_no_note(client):
    # The job's own output tells why it exited 3; the log stays exactly what it wrote.
    for command, args, status in (("sh", ["-c", "echo out; exit 3"], "FAILED"), ("echo", ["out"], "COMPLETED")):
        job = client.jobs.run_job(command, args)
        assert wait_status(client, job["job_uuid"])["status"] == status
        assert logs(client, job["job_uuid"]) == b"out\n"


@pytest.mark.parametrize("work_dir,expect", [("/work", "/work"), ("/work/sub", "/work/sub"), ("sub", "/work/sub")])
def test_work_dir_under_work_is_valid(client, work_dir, expect):
    job = client.jobs.run_job("pwd", [], work_dir=work_dir, uploads=[{"path": "sub", "is_directory": True, "mode": 0o755}])
    st = wait_status(client, job["job_uuid"])
    assert st["status"] == "COMPLETED", (st, logs(client, job["job_uuid"]))
    assert logs(client, job["job_uuid"]).decode().strip() == expect


@pytest.mark.parametrize("work_dir", ["/etc", "/work/../etc", "../x"])
def test_work_dir_outside_the_workspace_is_refused_at_run_job(client, work_dir):
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "pwd", [], work_dir=work_dir)
    assert "work_dir" in msg and "workspace" in msg, msg


def test_rnx_follow_prints_the_reason_on_stderr(ux_server):
    r = rnx("run", "--follow", "sh", "-c", "kill -9 $$", server=ux_server)
    assert r.returncode == 137, r
    assert "failed: killed by signal 9 (SIGKILL)" in r.stderr, r.stderr
    r = rnx("run", "no-such-command-rnx", server=ux_server)
    assert r.returncode == 1 and "not found in the job's PATH" in r.stderr, r


# ---------------------------------------------------------------------------------------------
# Uploads past 4 MiB.

@pytest.mark.parametrize("megabytes", [20, 200])
def test_large_upload_through_the_sdk_with_defaults(client, megabytes):
    size = megabytes * 1000 * 1000
    content = bytes(range(256)) * (size // 256)
    import time
    started = time.monotonic()
    job = client.jobs.run_job("sh", ["-c", "wc -c < /work/data.bin; md5sum < /work/data.bin"],
                              uploads=[{"path": "data.bin", "content": content, "mode": 0o644}])
    took = time.monotonic() - started
    st = wait_status(client, job["job_uuid"], timeout=120)
    out = logs(client, job["job_uuid"]).decode().split()
    assert st["status"] == "COMPLETED", (st, out)
    import hashlib
    assert out[0] == str(len(content)) and out[1] == hashlib.md5(content).hexdigest()
    print(f"{megabytes} MB upload: RunJob returned after {took:.2f} s, job done after {time.monotonic() - started:.2f} s")


def test_viewer_large_upload_is_refused_before_it_is_buffered(ux_server):
    """PERMISSION_DENIED comes back while the client is still sending: the server answered at
    the request headers and never took the 200 MB."""
    import time
    import joblet_pb2
    import joblet_pb2_grpc
    req = joblet_pb2.RunJobRequest(command="true", uploads=[
        joblet_pb2.FileUpload(path="big.bin", content=b"\0" * (200 * 1000 * 1000), mode=0o644)])
    with ux_server.channel("viewer", options=[("grpc.max_send_message_length", -1)]) as ch:
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).RunJob(req, timeout=60)
        took = time.monotonic() - started
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED, e.value
    assert "viewer" in e.value.details()
    print(f"viewer's 200 MB RunJob refused after {took:.2f} s")


def test_upload_over_the_limit_names_the_key(ux_server):
    import joblet_pb2
    import joblet_pb2_grpc
    req = joblet_pb2.RunJobRequest(command="true", uploads=[
        joblet_pb2.FileUpload(path="big.bin", content=b"\0" * (257 << 20), mode=0o644)])
    with ux_server.channel(options=[("grpc.max_send_message_length", -1)]) as ch:
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).RunJob(req, timeout=60)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "server.maxUploadMessageSize" in e.value.details(), e.value.details()


def test_other_methods_keep_4_mib(ux_server):
    import joblet_pb2
    import joblet_pb2_grpc
    with ux_server.channel() as ch:
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).GetJobStatus(joblet_pb2.GetJobStatusReq(uuid="x" * (5 << 20)), timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "server.maxReceiveMessageSize" in e.value.details()


# ---------------------------------------------------------------------------------------------
# First start: the development PKI is made in-process, with an rnx-config beside it.

def _first_start(tmp, *extra):
    """jobletd started in `tmp` with no certificates, as a new user runs it."""
    import re
    import subprocess
    from conftest import BUILD, Server
    log = open(tmp / "jobletd.log", "w")
    proc = subprocess.Popen([str(BUILD / "jobletd"), "--address", "127.0.0.1:0", *extra], cwd=tmp,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    m = re.search(r"listening on .*:(\d+)", proc.stdout.readline())
    assert m, (tmp / "jobletd.log").read_text()
    return Server(proc, int(m.group(1)), tmp / "certs", tmp / "data", log)


def test_first_start_generates_pki_in_process_and_never_runs_a_planted_script(tmp_path):
    import os
    import stat
    planted = tmp_path / "scripts" / "gen-certs.sh"
    planted.parent.mkdir()
    marker = tmp_path / "PLANTED-SCRIPT-RAN"
    planted.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    planted.chmod(0o755)
    s = _first_start(tmp_path)
    try:
        certs = tmp_path / "certs"
        for name in ("ca-cert.pem", "ca-key.pem", "server-cert.pem", "server-key.pem", "admin-client-cert.pem",
                     "admin-client-key.pem", "viewer-client-cert.pem", "viewer-client-key.pem"):
            mode = stat.S_IMODE(os.stat(certs / name).st_mode)
            assert mode == (0o600 if name.endswith("-key.pem") else 0o644), (name, oct(mode))
        assert not marker.exists(), "jobletd ran a script from its working directory"
        # The generated PKI works for both roles over real mTLS, through the SDK.
        client = sdk(s)
        assert isinstance(client.jobs.list_jobs(), list)
        client.close()
        viewer = sdk(s, "viewer")
        sdk_fails(viewer.jobs.run_job, grpc.StatusCode.PERMISSION_DENIED, "true", [])
        viewer.close()
        text = subprocess_text(["openssl", "x509", "-in", str(certs / "server-cert.pem"), "-noout", "-text"])
        assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text and "IP Address:0:0:0:0:0:0:0:1" in text
        assert "prime256v1" in text or "P-256" in text
        assert "OU = viewer" in subprocess_text(["openssl", "x509", "-in", str(certs / "viewer-client-cert.pem"), "-noout", "-subject"])
    finally:
        stop_jobletd(s)


def subprocess_text(argv):
    import subprocess
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def test_first_start_writes_an_rnx_config_that_rnx_uses(tmp_path):
    import os
    import stat
    s = _first_start(tmp_path)
    try:
        config = tmp_path / "certs" / "rnx-config.yml"
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        log = (tmp_path / "jobletd.log").read_text()
        assert f"wrote client configuration {config}" in log, log
        r = rnx("--config", str(config), "run", "--follow", "echo", "from-config")
        assert r.returncode == 0 and "from-config" in r.stdout, r
        r = rnx("--config", str(config), "--node", "viewer", "run", "true")
        assert r.returncode != 0 and "viewer" in r.stderr, r
        assert rnx("--config", str(config), "--node", "viewer", "list").returncode == 0
    finally:
        stop_jobletd(s)
    # A second start keeps the PKI and says nothing about a new config.
    s = _first_start(tmp_path)
    stop_jobletd(s)
    assert "wrote client configuration" not in (tmp_path / "jobletd.log").read_text()


# ---------------------------------------------------------------------------------------------
# rnx in Joblet's layout.

def test_rnx_job_group_runs_the_same_commands(ux_server):
    r = rnx("job", "run", "--follow", "echo", "job-layout", server=ux_server)
    assert r.returncode == 0 and r.stdout == "job-layout\n", r
    r = rnx("job", "run", "echo", "second", server=ux_server)
    assert r.returncode == 0, r
    uid = next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("ID"))
    assert rnx("job", "log", uid, server=ux_server).stdout == "second\n"
    status = rnx("job", "status", uid, server=ux_server)
    assert status.returncode == 0 and "COMPLETED" in status.stdout, status
    listing = rnx("job", "list", server=ux_server)
    assert uid[:8] in listing.stdout and "\x1b[" not in listing.stdout, "no colour when stdout is not a terminal"
    # Flags before the group, as Joblet's docs write them.
    flags = ["--server", ux_server.target, "--cert", str(ux_server.certs / "admin-client-cert.pem"),
             "--key", str(ux_server.certs / "admin-client-key.pem"), "--ca", str(ux_server.certs / "ca-cert.pem")]
    assert rnx(*flags, "job", "list").returncode == 0
    assert rnx("job", "delete", uid, server=ux_server).returncode == 0
    for sub in ("stop", "cancel", "delete-all"):
        assert rnx("job", sub, "--help").returncode == 0


def test_rnx_list_and_status_use_one_time_zone(ux_server):
    r = rnx("run", "--follow", "true", server=ux_server, env={"TZ": "UTC"})
    r = rnx("job", "run", "true", server=ux_server, env={"TZ": "Asia/Tokyo"})
    uid = next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("ID"))
    import time
    time.sleep(1)
    status = rnx("status", uid, server=ux_server, env={"TZ": "Asia/Tokyo"}).stdout
    started = next(line for line in status.splitlines() if line.startswith("Started At")).split(":", 1)[1].strip()
    assert started.endswith((" JST", " GMT+9", " +09")), started  # the zone is named
    listing = rnx("list", server=ux_server, env={"TZ": "Asia/Tokyo"}).stdout
    row = next(line for line in listing.splitlines() if line.startswith(uid[:8]))
    assert started.rsplit(" ", 1)[0] in row, (started, row)


def test_rnx_version_and_unknown_commands():
    import re
    for args in (["--version"], ["version"]):
        r = rnx(*args)
        assert r.returncode == 0 and re.match(r"rnx \d+\.\d+\.\d+ \(commit [0-9a-f]{12}", r.stdout), r
    r = rnx("lst")
    assert r.returncode == 1 and "unknown command 'lst'" in r.stderr and "did you mean 'rnx list'" in r.stderr, r
    r = rnx("job", "stauts", "x")
    assert r.returncode == 1 and "did you mean 'rnx job status'" in r.stderr, r


def test_rnx_status_colour_only_on_a_terminal_and_never_with_no_color(ux_server):
    import os
    import pty
    import subprocess
    from test_rnx import RNX
    r = rnx("run", "--follow", "true", server=ux_server)
    flags = ["--server", ux_server.target, "--cert", str(ux_server.certs / "admin-client-cert.pem"),
             "--key", str(ux_server.certs / "admin-client-key.pem"), "--ca", str(ux_server.certs / "ca-cert.pem")]

    def on_tty(extra_env):
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        env.update(extra_env, TERM="xterm")
        p = subprocess.run([str(RNX), *flags, "list"], stdout=slave, stderr=subprocess.PIPE, env=env, timeout=30)
        os.close(slave)
        out = b""
        try:
            while True:
                chunk = os.read(master, 65536)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
        os.close(master)
        assert p.returncode == 0, p.stderr
        return out.decode()

    assert "\x1b[32mCOMPLETED\x1b[0m" in on_tty({})
    assert "\x1b[" not in on_tty({"NO_COLOR": "1"})


def test_rnx_nodes_lists_the_config(tmp_path):
    cfg = tmp_path / "rnx-config.yml"
    cfg.write_text('nodes:\n  default:\n    address: "a:1"\n  viewer:\n    address: "b:2"\n')
    r = rnx("--config", str(cfg), "nodes")
    assert r.returncode == 0, r
    assert "* default" in r.stdout and "a:1" in r.stdout and "viewer" in r.stdout and "b:2" in r.stdout


def test_rnx_ctrl_c_while_following_says_how_to_stop(ux_server):
    import signal
    import subprocess
    import time
    from test_rnx import RNX
    flags = ["--server", ux_server.target, "--cert", str(ux_server.certs / "admin-client-cert.pem"),
             "--key", str(ux_server.certs / "admin-client-key.pem"), "--ca", str(ux_server.certs / "ca-cert.pem")]
    p = subprocess.Popen([str(RNX), *flags, "run", "--follow", "sh", "-c", "echo started; sleep 30"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "started\n"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=10)
    assert p.returncode == 130, err
    assert "keeps running" in err and "rnx job stop" in err, err
    short = err.split("rnx job stop ")[1].split()[0]
    assert rnx("job", "stop", short, server=ux_server).returncode == 0


def test_rnx_large_upload_says_what_it_is_doing(ux_server, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\1" * (6 << 20))
    r = rnx("run", "--follow", f"--upload={big}", "wc", "-c", "big.bin", server=ux_server)
    assert r.returncode == 0 and r.stdout.split()[0] == str(6 << 20), r
    assert "uploading 6.0 MiB" in r.stderr and "uploaded 6.0 MiB" in r.stderr, r.stderr
    assert "rnx: sent 100% (6.0 MiB of 6.0 MiB)" in r.stderr, r.stderr  # progress, every 25 % off a terminal


# ---------------------------------------------------------------------------------------------
# jobletd's own command line and configuration.

def _jobletd(*args, cwd=None):
    import subprocess
    from conftest import BUILD
    return subprocess.run([str(BUILD / "jobletd"), *args], capture_output=True, text=True, timeout=30, cwd=cwd)


def test_jobletd_version():
    import re
    r = _jobletd("--version")
    assert r.returncode == 0 and re.match(r"jobletd \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?, built \d{4}-\d\d-\d\dT", r.stdout), r


@pytest.mark.parametrize("yaml,expect", [
    ("server:\n  address: '127.0.0.1:0'\n  maxRecieveMessageSize: 5\n",
     "line 3: unknown key 'server.maxRecieveMessageSize'; did you mean 'server.maxReceiveMessageSize'?"),
    ("server:\n  eventLoops: many\n", "line 2: server.eventLoops must be a whole number, got 'many'"),
    ("server:\n  logLevel: loud\n", "line 2: server.logLevel must be one of trace"),
    ("server: [a, b\n", "is not valid YAML"),
])
def test_jobletd_refuses_config_typos_and_bad_values(tmp_path, yaml, expect):
    cfg = tmp_path / "jobletd.yml"
    cfg.write_text(yaml)
    r = _jobletd("--config", str(cfg), "--certs", str(tmp_path / "certs"), "--data", str(tmp_path / "data"))
    assert r.returncode == 1 and expect in r.stderr, r
    assert "DecodingError" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "certs").exists(), "nothing made before the config was checked"


def test_jobletd_refuses_an_unknown_log_level():
    r = _jobletd("--log-level", "loud")
    assert r.returncode == 1 and "'loud' is not a log level" in r.stderr, r


def test_jobletd_help_is_not_wrapped_mid_sentence():
    import os
    env_cols = os.environ.get("COLUMNS")
    r = _jobletd("--help")
    assert r.returncode == 0
    for line in r.stdout.splitlines():
        assert not line.strip() in ("its", "and", "the"), f"a lone word: {line!r}\n{r.stdout}"
    assert "rnx-config.yml" in r.stdout


# ---------------------------------------------------------------------------------------------
# Installing: scripts/install.sh, the systemd unit, sd_notify.

def test_install_sh_lays_out_files_and_the_unit_verifies(tmp_path):
    import os
    import shutil
    import stat
    import subprocess
    from conftest import BUILD, ROOT
    dest = tmp_path / "root"
    r = subprocess.run([str(ROOT / "scripts" / "install.sh"), "--from", str(BUILD), "--destdir", str(dest)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for b in ("jobletd", "rnx", "joblet-init"):
        assert os.access(dest / "usr/local/bin" / b, os.X_OK), b
    config = dest / "etc/jobletd/jobletd.yml"
    assert "/var/lib/jobletd" in config.read_text() and "/etc/jobletd/certs" in config.read_text()
    assert stat.S_IMODE(os.stat(dest / "var/lib/jobletd").st_mode) == 0o711
    # The installed config is accepted by the installed jobletd (its keys are all known).
    check = subprocess.run([str(dest / "usr/local/bin/jobletd"), "--config", str(config), "--address", "127.0.0.1:0",
                            "--certs", str(tmp_path / "certs"), "--data", str(tmp_path / "data"), "--version"],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check
    unit = (dest / "etc/systemd/system/jobletd.service").read_text()
    assert "Type=notify" in unit and "KillMode=process" in unit and "ProtectSystem=strict" in unit
    # Kept on a second install.
    config.write_text(config.read_text() + "# mine\n")
    subprocess.run([str(ROOT / "scripts" / "install.sh"), "--from", str(BUILD), "--destdir", str(dest)], check=True,
                   capture_output=True, timeout=120)
    assert config.read_text().endswith("# mine\n")
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze missing: scripts/install-deps.sh --test installs systemd"
    verify_dir = tmp_path / "verify"
    verify_dir.mkdir()
    (verify_dir / "jobletd.service").write_text(unit.replace("/usr/local/bin/jobletd", str(dest / "usr/local/bin/jobletd")))
    v = subprocess.run([analyze, "verify", str(verify_dir / "jobletd.service")], capture_output=True, text=True, timeout=60)
    assert v.returncode == 0 and "jobletd.service" not in v.stderr, v.stderr


def test_jobletd_sends_ready_to_notify_socket_once_listening(certs, tmp_path):
    import os
    import re
    import socket
    import subprocess
    from conftest import BUILD
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(30)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    proc = subprocess.Popen([str(BUILD / "jobletd"), "--address", "127.0.0.1:0", "--certs", str(certs),
                             "--data", str(tmp_path / "data")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    try:
        port = re.search(r":(\d+) ", proc.stdout.readline()).group(1)
        ready = sock.recv(4096).decode()
        assert "READY=1" in ready and f"MAINPID={proc.pid}" in ready and port in ready, ready
        socket.create_connection(("127.0.0.1", int(port)), timeout=5).close()  # it listens already
        proc.terminate()
        assert "STOPPING=1" in sock.recv(4096).decode()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()


# ---------------------------------------------------------------------------------------------
# The README works from a clone.

def test_readme_is_self_contained():
    import re
    from conftest import ROOT
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        assert str(path).startswith(str(ROOT.resolve())), f"README links outside the repository: {target}"
        assert path.exists(), f"README links a missing file: {target}"
    assert "../shared" not in text
    assert "insecure=False" in text and "pip install joblet-sdk-python" in text
    assert "ca_cert_path" in text and "client_cert_path" in text and "client_key_path" in text
    assert "Socket closed" in text  # the troubleshooting table names what clients print
    run = (ROOT / "scripts" / "run-jobletd.sh").read_text()
    assert "building" in run and "still building" in run
