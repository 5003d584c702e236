"""Helpers for the job suites: the official Joblet SDK pointed at one of our jobletd processes,
waiting for statuses, and reading gRPC status codes out of the SDK's exceptions."""
import datetime
import signal
import time

import grpc
import pytest
from joblet import JobletClient

FINAL = ("COMPLETED", "FAILED", "STOPPED", "CANCELED")


def sdk(server, identity="admin"):
    """The official SDK over mutual TLS with our certificates (insecure=False)."""
    c = server.certs
    return JobletClient(host="localhost", port=server.port, ca_cert_path=str(c / "ca-cert.pem"),
                        client_cert_path=str(c / f"{identity}-client-cert.pem"),
                        client_key_path=str(c / f"{identity}-client-key.pem"), insecure=False)


def wait_status(client, uuid, statuses=FINAL, timeout=20.0):
    """Polls GetJobStatus until the job's status is one of `statuses`; returns the status dict."""
    deadline = time.monotonic() + timeout
    while True:
        st = client.jobs.get_job_status(uuid)
        if st["status"] in statuses:
            return st
        assert time.monotonic() < deadline, f"job {uuid} still {st['status']} after {timeout} s (wanted {statuses})"
        time.sleep(0.05)


def rpc_error(exc):
    """The grpc.RpcError behind an SDK exception (the SDK raises its own types from inside `except`)."""
    e = exc
    while e is not None and not isinstance(e, grpc.RpcError):
        e = e.__cause__ or e.__context__
    assert e is not None, f"no gRPC error behind {exc!r}"
    return e


def sdk_fails(call, code, *args, **kwargs):
    """Calls an SDK method that must fail with gRPC status `code`; returns the status message."""
    try:
        call(*args, **kwargs)
    except Exception as exc:  # the SDK wraps every RpcError in its own exception types
        err = rpc_error(exc)
        assert err.code() == code, f"{call.__name__}: got {err.code()} {err.details()!r}, wanted {code}"
        return err.details()
    raise AssertionError(f"{call.__name__} succeeded; wanted {code}")


def rfc3339_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def raw_status(server, uuid):
    """GetJobStatus through stubs from our own joblet.proto, so extension fields (reason = 100) show."""
    import joblet_pb2
    import joblet_pb2_grpc
    with server.channel() as ch:
        return joblet_pb2_grpc.JobServiceStub(ch).GetJobStatus(joblet_pb2.GetJobStatusReq(uuid=uuid), timeout=10)


def logs(client, uuid):
    return b"".join(client.jobs.get_job_logs(uuid))


def run_to_end(client, command, args, timeout=30, **kw):
    """Runs a job through the SDK until it is final; returns its status dict and its whole log."""
    job = client.jobs.run_job(command, args, **kw)
    st = wait_status(client, job["job_uuid"], timeout=timeout)
    return st, logs(client, job["job_uuid"]).decode()


@pytest.fixture(autouse=True)
def bounded_time(request):
    """Fails a test that runs past its module's TIME_LIMIT (seconds; default 120) instead of
    hanging the suite. Imported by each job suite so that pytest uses it there."""
    limit = getattr(request.module, "TIME_LIMIT", 120)

    def expired(signum, frame):
        raise TimeoutError(f"{request.node.name} ran past its {limit} s limit")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def standin_control(standin, path, body=None):
    """POSTs to a control endpoint of the SkyPilot stand-in (tests/skypilot/standin.py); its JSON answer."""
    import json
    import urllib.request
    req = urllib.request.Request(standin + path, data=json.dumps(body or {}).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")
