"""jobletd's start: one line when listening; a non-zero exit with a one-line reason otherwise."""
import shutil
import socket
import subprocess

from conftest import crash_excerpt, BUILD, admin_tls_context, start_jobletd, stop_jobletd


def run_jobletd(*args, timeout=20):
    return subprocess.run([str(BUILD / "jobletd"), *args], capture_output=True, text=True, timeout=timeout)


def reason(result):
    assert result.returncode != 0, result
    assert result.stdout == "", "nothing on stdout unless listening"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("jobletd: "), result.stderr
    return last


def test_busy_port(certs, workdir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run_jobletd("--address", f"127.0.0.1:{port}", "--certs", str(certs), "--data", str(workdir / "busy"))
    assert f"cannot listen on 127.0.0.1:{port}" in reason(r) and "Address already in use" in reason(r)


def test_bad_certificate(certs, workdir):
    bad = workdir / "bad-certs"
    bad.mkdir()
    shutil.copy(certs / "ca-cert.pem", bad)
    shutil.copy(certs / "server-key.pem", bad)
    (bad / "server-cert.pem").write_text("not a certificate\n")
    r = run_jobletd("--address", "127.0.0.1:0", "--certs", str(bad), "--data", str(workdir / "badcert"))
    assert "bad certificate: cannot load server certificate" in reason(r) and "server-cert.pem" in reason(r)


def test_missing_certificate_in_a_partial_directory(certs, workdir):
    partial = workdir / "partial-certs"
    partial.mkdir()
    shutil.copy(certs / "ca-cert.pem", partial)
    r = run_jobletd("--address", "127.0.0.1:0", "--certs", str(partial), "--data", str(workdir / "partial"))
    assert "missing certificate" in reason(r) and "server-key.pem" in reason(r)
    assert not (partial / "server-cert.pem").exists(), "an operator's directory is never filled in behind their back"


def test_unreadable_and_invalid_config(workdir):
    assert "cannot read config /nonexistent/joblet.yml" in reason(run_jobletd("--config", "/nonexistent/joblet.yml"))
    bad = workdir / "bad.yml"
    bad.write_text("server: [unclosed\n")
    assert "is not valid" in reason(run_jobletd("--config", str(bad)))
    assert "must be HOST:PORT" in reason(run_jobletd("--address", "nonsense"))


def test_missing_job_init_program(certs, workdir):
    cfg = workdir / "noinit.yml"
    cfg.write_text("jobs:\n  initPath: /nonexistent/joblet-init\n")
    r = run_jobletd("--address", "127.0.0.1:0", "--certs", str(certs), "--data", str(workdir / "noinit"), "--config", str(cfg))
    line = reason(r)
    assert "the job init program 'joblet-init' was not found (tried /nonexistent/joblet-init)" in line, line


def test_first_start_generates_a_development_pki(workdir):
    fresh = workdir / "fresh-certs"
    s = start_jobletd(fresh, workdir / "fresh-data")
    try:
        for name in ("ca-cert.pem", "server-cert.pem", "server-key.pem", "admin-client-cert.pem", "viewer-client-key.pem"):
            assert (fresh / name).exists(), name
        assert oct((fresh / "server-key.pem").stat().st_mode & 0o777) == "0o600"
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        with s.channel() as ch:
            assert health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10).status == 1
    finally:
        stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)


def test_tls_cipher_suites_setting(certs, workdir):
    """server.tlsCipherSuites: an unknown list is refused at start; a known one is what TLS uses."""
    bad = workdir / "ciphers-bad.yml"
    bad.write_text("server:\n  tlsCipherSuites: TLS_NO_SUCH_SUITE\n")
    line = reason(run_jobletd("--address", "127.0.0.1:0", "--certs", str(certs), "--data", str(workdir / "cbad"),
                              "--config", str(bad)))
    assert "server.tlsCipherSuites" in line and "TLS_NO_SUCH_SUITE" in line, line
    good = workdir / "ciphers-aes256.yml"
    good.write_text("server:\n  tlsCipherSuites: TLS_AES_256_GCM_SHA384\n")
    srv = start_jobletd(certs, workdir / "caes256", "--config", str(good))
    try:
        ctx = admin_tls_context(certs)
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.cipher()[0] == "TLS_AES_256_GCM_SHA384"
    finally:
        stop_jobletd(srv)
