"""Hostile bytes: each case must get a clean refusal while the server keeps serving others."""
import socket
import ssl
import struct

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc


def assert_still_serving(server):
    assert server.alive()
    with server.channel() as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


def raw_exchange(server, payload, wait=3.0):
    """Sends bytes on a plain TCP connection; returns what came back before the close."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as s:
        s.sendall(payload)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return got


def tls_socket(server, alpn=("h2",)):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(server.certs / "ca-cert.pem"))
    ctx.load_cert_chain(str(server.certs / "admin-client-cert.pem"), str(server.certs / "admin-client-key.pem"))
    ctx.set_alpn_protocols(list(alpn))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_until_close(s):
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError, ssl.SSLError):
        pass
    return got


def test_garbage_instead_of_client_hello(server):
    raw_exchange(server, bytes(range(256)) * 64)
    assert_still_serving(server)


def test_plaintext_http1_request(server):
    raw_exchange(server, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert_still_serving(server)


def test_plaintext_http2_preface(server):
    raw_exchange(server, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    assert_still_serving(server)


def test_tls_then_garbage_instead_of_preface(server):
    s = tls_socket(server)
    s.sendall(b"this is not an HTTP/2 connection preface\r\n\r\n" * 10)
    got = read_until_close(s)
    s.close()
    # nghttp2 answers a bad preface with GOAWAY (frame type 7) before closing.
    assert b"\x07" in got[:64] or got == b""
    assert_still_serving(server)


def test_frame_with_huge_length(server):
    s = tls_socket(server)
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    huge = b"\xff\xff\xff\x00\x00\x00\x00\x00\x01"  # 16 MiB DATA frame header, far past SETTINGS_MAX_FRAME_SIZE
    s.sendall(preface + huge + b"\x00" * 1024)
    got = read_until_close(s)
    s.close()
    assert len(got) > 0  # SETTINGS then GOAWAY(FRAME_SIZE_ERROR)
    assert_still_serving(server)


def test_four_gib_grpc_length_prefix(server):
    """A message prefix announcing 4 GiB: RESOURCE_EXHAUSTED at once, nothing buffered."""
    h2 = pytest.importorskip("h2.connection")
    import h2.config
    import h2.events
    s = tls_socket(server)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":scheme", "https"), (":path", "/grpc.testing.TestService/UnaryCall"),
                            (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers")])
    conn.send_data(sid, b"\x00" + struct.pack(">I", 0xFFFFFFFF) + b"\x00" * 100)
    s.sendall(conn.data_to_send())
    status = None
    s.settimeout(10)
    while status is None:
        data = s.recv(65536)
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                hdrs = dict(ev.headers)
                if "grpc-status" in hdrs:
                    status = (hdrs["grpc-status"], hdrs.get("grpc-message", ""))
        s.sendall(conn.data_to_send())
    s.close()
    assert status is not None and status[0] == str(grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]), status
    assert "larger than max" in status[1]
    assert_still_serving(server)


def test_hundreds_of_half_open_connections(server):
    socks = []
    try:
        for _ in range(300):
            socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        # Half a ClientHello on some of them.
        for s in socks[::3]:
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        assert_still_serving(server)
    finally:
        for s in socks:
            s.close()
    assert_still_serving(server)
