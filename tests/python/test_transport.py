"""Transport behaviour seen from grpcio: health, reflection, roles, limits, concurrency."""
import concurrent.futures

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2 as refl_alpha, reflection_pb2_grpc as refl_alpha_grpc

from conftest import admin_tls_context


def test_health_check_and_watch(server):
    with server.channel() as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        assert stub.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
        assert stub.Check(health_pb2.HealthCheckRequest(service="joblet.JobService")).status == \
            health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as e:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""))
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        watch.cancel()


def test_health_allowed_for_any_verified_client(server):
    """A certificate with an OU that is no role may still ask for health, and nothing else."""
    with server.channel("nobody") as ch:
        assert health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest()).status == \
            health_pb2.HealthCheckResponse.SERVING


def _reflection_services(ch, version):
    if version == "v1alpha":
        stub = refl_alpha_grpc.ServerReflectionStub(ch)
        req = refl_alpha.ServerReflectionRequest(list_services="")
    else:
        import reflection_v1_pb2 as r1, reflection_v1_pb2_grpc as r1g  # generated from Protos/ by conftest
        stub = r1g.ServerReflectionStub(ch)
        req = r1.ServerReflectionRequest(list_services="")
    resp = next(stub.ServerReflectionInfo(iter([req])))
    return sorted(s.name for s in resp.list_services_response.service)


@pytest.mark.parametrize("version", ["v1alpha", "v1"])
def test_reflection_lists_every_service(server, stubs, version):
    with server.channel() as ch:
        names = _reflection_services(ch, version)
    for expected in ("joblet.JobService", "joblet.JobletService", "joblet.NetworkService", "joblet.VolumeService",
                     "joblet.MonitoringService", "joblet.RuntimeService", "grpc.health.v1.Health",
                     "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection",
                     "grpc.testing.TestService"):
        assert expected in names


def test_reflection_descriptors_resolve(server):
    """grpcio-reflection's ProtoReflectionDescriptorDatabase builds real descriptors from our answers."""
    from google.protobuf.descriptor_pool import DescriptorPool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
    with server.channel() as ch:
        db = ProtoReflectionDescriptorDatabase(ch)
        pool = DescriptorPool(db)
        svc = pool.FindServiceByName("joblet.JobService")
        assert [m.name for m in svc.methods][:3] == ["RunJob", "GetJobStatus", "StopJob"]
        msg = pool.FindMessageTypeByName("joblet.RunJobRequest")
        assert msg.fields_by_name["secret_environment"].number == 18
        assert pool.FindMethodByName("grpc.testing.TestService.UnaryCall").input_type.full_name == "grpc.testing.SimpleRequest"


def test_unknown_joblet_method_says_so(server, stubs):
    # Every method of the contract is served now; a method the service does not have is named.
    with server.channel() as ch:
        with pytest.raises(grpc.RpcError) as e:
            ch.unary_unary("/joblet.JobService/NoSuchMethod")(b"", timeout=10)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert e.value.details() == "unknown method NoSuchMethod for service joblet.JobService", e.value.details()


def test_viewer_cannot_call_admin_methods(server, stubs):
    import joblet_pb2, joblet_pb2_grpc
    with server.channel("viewer") as ch:
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).RunJob(joblet_pb2.RunJobRequest(command="true"))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert e.value.details() == "role viewer is not allowed to perform operation run_job"
        # Reads pass the role check and reach the method itself (ListJobs works now).
        jobs = joblet_pb2_grpc.JobServiceStub(ch).ListJobs(joblet_pb2.EmptyRequest(), timeout=10)
        assert isinstance(jobs, joblet_pb2.Jobs)


def test_unknown_role_is_denied(server, stubs):
    import joblet_pb2, joblet_pb2_grpc
    with server.channel("nobody") as ch:
        with pytest.raises(grpc.RpcError) as e:
            joblet_pb2_grpc.JobServiceStub(ch).ListJobs(joblet_pb2.EmptyRequest())
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("identity", ["foreign-client", "expired-client", None])
def test_bad_client_certificates_are_refused(server, identity):
    import grpc as g
    ca = (server.certs / "ca-cert.pem").read_bytes()
    if identity is None:
        creds = g.ssl_channel_credentials(root_certificates=ca)
    else:
        creds = g.ssl_channel_credentials(root_certificates=ca,
                                          private_key=(server.certs / f"{identity}-key.pem").read_bytes(),
                                          certificate_chain=(server.certs / f"{identity}-cert.pem").read_bytes())
    with g.secure_channel(server.target, creds) as ch:
        with pytest.raises(g.RpcError) as e:
            health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert e.value.code() == g.StatusCode.UNAVAILABLE
    assert server.alive()


def test_tls12_only_client_is_refused(server):
    import ssl
    import socket
    ctx = admin_tls_context(server.certs, maximum_version=ssl.TLSVersion.TLSv1_2)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError):
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.recv(1)


def test_server_picks_aes128_gcm_over_client_order(server):
    """OpenSSL clients (grpcio's C core included) offer AES-256-GCM first; the server's order wins."""
    import socket
    ctx = admin_tls_context(server.certs)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() == "TLSv1.3"
            assert tls.cipher()[0] == "TLS_AES_128_GCM_SHA256"
            assert tls.selected_alpn_protocol() == "h2"


def test_client_without_alpn_h2_is_refused(server):
    import ssl
    import socket
    ctx = admin_tls_context(server.certs, alpn="http/1.1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                if not tls.recv(1):
                    raise ConnectionError("closed")


def test_hundred_concurrent_calls_on_one_connection(server, stubs):
    import messages_pb2 as m, test_pb2_grpc
    with server.channel() as ch:
        stub = test_pb2_grpc.TestServiceStub(ch)
        futures = [stub.UnaryCall.future(m.SimpleRequest(response_size=1000 + i)) for i in range(100)]
        sizes = [len(f.result(timeout=30).payload.body) for f in futures]
    assert sizes == [1000 + i for i in range(100)]


def test_oversized_message_is_refused_and_connection_survives(server, stubs):
    import messages_pb2 as m, test_pb2_grpc
    opts = [("grpc.max_send_message_length", 16 * 1024 * 1024)]
    with server.channel(options=opts) as ch:
        stub = test_pb2_grpc.TestServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.UnaryCall(m.SimpleRequest(payload=m.Payload(body=b"\1" * (5 * 1024 * 1024))), timeout=30)
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # Same channel, same connection: still serving.
        assert len(stub.UnaryCall(m.SimpleRequest(response_size=10), timeout=10).payload.body) == 10


def test_large_response_stream_with_flow_control(server, stubs):
    """64 MiB in 64 KiB messages through HTTP/2 flow control and back-pressure."""
    import messages_pb2 as m, test_pb2_grpc
    with server.channel() as ch:
        stub = test_pb2_grpc.TestServiceStub(ch)
        req = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=65536)] * 1024)
        total = sum(len(r.payload.body) for r in stub.StreamingOutputCall(req, timeout=120))
    assert total == 64 * 1024 * 1024


def test_keepalive_pings_do_not_close_the_connection(server, stubs):
    import time
    import messages_pb2 as m, test_pb2_grpc
    opts = [("grpc.keepalive_time_ms", 200), ("grpc.keepalive_timeout_ms", 2000),
            ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0)]
    with server.channel(options=opts) as ch:
        stub = test_pb2_grpc.TestServiceStub(ch)
        stub.UnaryCall(m.SimpleRequest(response_size=1))
        time.sleep(2.5)
        assert ch._channel.check_connectivity_state(False) == 2  # READY: still the same connection
        stub.UnaryCall(m.SimpleRequest(response_size=1))
