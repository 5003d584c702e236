"""Fixtures shared by the Python suites: a test PKI, generated stubs, and a real jobletd.

Every suite talks to a jobletd binary over mutual TLS on loopback, exactly as a user's
grpcio client would.
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("JOBLETD_BUILD", ROOT / ".build" / "debug"))


def _generate_stubs(out: pathlib.Path) -> None:
    """Python stubs for our protos. grpc.testing's files are flattened so their modules do
    not collide with the grpcio package called `grpc`; the wire names stay the same."""
    src = out / "protos"
    src.mkdir(parents=True)
    shutil.copy(ROOT / "Protos" / "joblet.proto", src)
    for name in ("empty.proto", "messages.proto", "test.proto"):
        text = (ROOT / "Protos" / "grpc" / "testing" / name).read_text()
        text = text.replace('import "grpc/testing/', 'import "')
        (src / name).write_text(text)
    # grpcio-reflection ships only v1alpha stubs; v1 comes from our own proto.
    shutil.copy(ROOT / "Protos" / "grpc" / "reflection" / "v1" / "reflection.proto", src / "reflection_v1.proto")
    from grpc_tools import protoc
    import grpc_tools
    include = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    protos = [str(p.name) for p in src.glob("*.proto")]
    rc = protoc.main(["protoc", f"-I{src}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *protos])
    assert rc == 0, "grpc_tools.protoc failed"
    # The Joblet SDK's joblet.joblet_pb2 claims `joblet.proto` in protobuf's default pool; ours
    # goes into a private pool so both can be imported in one pytest process.
    pb = out / "joblet_pb2.py"
    text = pb.read_text()
    assert "_descriptor_pool.Default().AddSerializedFile(" in text
    pb.write_text(text.replace("_descriptor_pool.Default().AddSerializedFile(", "_descriptor_pool.DescriptorPool().AddSerializedFile("))


@pytest.fixture(scope="session")
def workdir():
    d = pathlib.Path(tempfile.mkdtemp(prefix="jobletd-pytest-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def stubs(workdir):
    out = workdir / "stubs"
    out.mkdir()
    _generate_stubs(out)
    sys.path.insert(0, str(out))
    return out


@pytest.fixture(scope="session")
def certs(workdir):
    d = workdir / "certs"
    subprocess.run([str(ROOT / "scripts" / "gen-certs.sh"), str(d)], check=True, stdout=subprocess.DEVNULL)
    _make_negative_certs(d)
    return d


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _make_negative_certs(d: pathlib.Path) -> None:
    """A client certificate from another CA, and an expired one from the right CA."""
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other-ca-key.pem", cwd=d)
    _openssl("req", "-x509", "-new", "-key", "other-ca-key.pem", "-days", "30", "-subj", "/CN=other CA",
             "-out", "other-ca-cert.pem", cwd=d)
    for name, ca, days in (("foreign-client", "other-ca", "30"), ("expired-client", "ca", None)):
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}-key.pem", cwd=d)
        _openssl("req", "-new", "-key", f"{name}-key.pem", "-subj", f"/OU=admin/CN={name}", "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text("extendedKeyUsage=clientAuth\n")
        if days:
            _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}-cert.pem", "-CAkey", f"{ca}-key.pem",
                     "-CAcreateserial", "-days", days, "-extfile", f"{name}.ext", "-out", f"{name}-cert.pem", cwd=d)
        else:
            _sign_expired(d, name, ca)
    # A client certificate with an OU that is no role.
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "nobody-client-key.pem", cwd=d)
    _openssl("req", "-new", "-key", "nobody-client-key.pem", "-subj", "/OU=guest/CN=nobody", "-out", "nobody.csr", cwd=d)
    (d / "nobody.ext").write_text("extendedKeyUsage=clientAuth\n")
    _openssl("x509", "-req", "-in", "nobody.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
             "-days", "30", "-extfile", "nobody.ext", "-out", "nobody-client-cert.pem", cwd=d)


def _sign_expired(d, name, ca):
    """Valid only on 2020-01-01. OpenSSL 3.0's x509 has no -not_after, so `openssl ca` signs it."""
    (d / "ca.cnf").write_text(f"""
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {d}
database = {d}/index.txt
new_certs_dir = {d}
serial = {d}/serial.txt
default_md = sha256
policy = policy_any
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationalUnitName = optional
""")
    (d / "index.txt").write_text("")
    (d / "serial.txt").write_text("1000\n")
    _openssl("ca", "-batch", "-config", "ca.cnf", "-cert", f"{ca}-cert.pem", "-keyfile", f"{ca}-key.pem",
             "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-extfile", f"{name}.ext",
             "-in", f"{name}.csr", "-out", f"{name}-cert.pem", cwd=d)


class Server:
    def __init__(self, proc, port, certs, data, log):
        self.proc, self.port, self.certs, self.data, self.log = proc, port, certs, data, log

    @property
    def target(self):
        return f"localhost:{self.port}"

    def credentials(self, identity="admin"):
        import grpc
        ca = (self.certs / "ca-cert.pem").read_bytes()
        if identity is None:
            return grpc.ssl_channel_credentials(root_certificates=ca)
        key = (self.certs / f"{identity}-client-key.pem").read_bytes()
        cert = (self.certs / f"{identity}-client-cert.pem").read_bytes()
        return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)

    def channel(self, identity="admin", options=()):
        import grpc
        return grpc.secure_channel(self.target, self.credentials(identity), options=list(options))

    def alive(self):
        return self.proc.poll() is None


def admin_tls_context(certs, alpn="h2", maximum_version=None):
    """A plain Python ssl client context with the admin certificate (for TLS-level checks)."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if maximum_version is not None:
        ctx.maximum_version = maximum_version
    ctx.load_verify_locations(str(certs / "ca-cert.pem"))
    ctx.load_cert_chain(str(certs / "admin-client-cert.pem"), str(certs / "admin-client-key.pem"))
    ctx.set_alpn_protocols([alpn])
    return ctx


def start_jobletd(certs, data, *extra, log_path=None):
    binary = BUILD / "jobletd"
    assert binary.exists(), f"{binary} missing: run swift build first"
    log = open(log_path or (data.parent / f"jobletd-{data.name}.log"), "w")
    # A crash prints its backtrace into the log (scripts/test.sh turns it off for everything
    # else); stop_jobletd shows it.
    env = {**os.environ, "SWIFT_BACKTRACE": "enable=yes,interactive=no,color=no,sanitize=yes"}
    proc = subprocess.Popen([str(binary), "--address", "127.0.0.1:0", "--certs", str(certs), "--data", str(data), *extra],
                            stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    line = proc.stdout.readline()
    m = re.search(r"listening on .*:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"jobletd did not start: {line!r} (log {log.name})")
    return Server(proc, int(m.group(1)), certs, data, log)


def stop_jobletd(server):
    crashed = server.proc.poll() is not None and server.proc.returncode < 0
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    server.log.close()
    if crashed or server.proc.returncode not in (0, -signal.SIGKILL):
        print(crash_excerpt(server), file=sys.stderr)


def crash_excerpt(server, limit=60):
    """The fatal error and the crashed thread's frames from a jobletd's log, for a failure message."""
    try:
        lines = pathlib.Path(server.log.name).read_text(errors="replace").splitlines()
    except OSError as e:
        return f"(jobletd log unreadable: {e})"
    picked, keep = [], 0
    for line in lines:
        if "Fatal error" in line or "Program crashed" in line or "crashed:" in line:
            keep = limit
        if keep:
            picked.append(line)
            keep -= 1
    head = f"jobletd exited with {server.proc.returncode}; log {server.log.name}"
    return "\n".join([head, *(picked or lines[-20:])])


@pytest.fixture(scope="module")
def pb(stubs):
    """The joblet messages and stubs (a module may define its own `pb` for other protos)."""
    import joblet_pb2
    import joblet_pb2_grpc
    return joblet_pb2, joblet_pb2_grpc


@pytest.fixture(scope="session")
def server(certs, workdir, stubs):
    """One jobletd with the interop TestService, shared by the transport suites."""
    s = start_jobletd(certs, workdir / "data", "--enable-interop-testing")
    yield s
    stop_jobletd(s)
    assert s.proc.returncode == 0, crash_excerpt(s)
