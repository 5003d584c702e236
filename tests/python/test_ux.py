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
