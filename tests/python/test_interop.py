"""gRPC's interop cases (doc/interop-test-descriptions.md), client side in grpcio, against
jobletd's grpc.testing.TestService over mutual TLS."""
import threading
import time

import grpc
import pytest


@pytest.fixture(scope="module")
def pb(stubs):
    import empty_pb2, messages_pb2, test_pb2_grpc
    return empty_pb2, messages_pb2, test_pb2_grpc


@pytest.fixture(scope="module")
def stub(server, pb):
    ch = server.channel()
    yield pb[2].TestServiceStub(ch)
    ch.close()


def test_empty_unary(stub, pb):
    empty, _, _ = pb
    assert stub.EmptyCall(empty.Empty()) == empty.Empty()


def test_large_unary(stub, pb):
    _, m, _ = pb
    req = m.SimpleRequest(response_size=314159, payload=m.Payload(body=b"\0" * 271828))
    resp = stub.UnaryCall(req)
    assert len(resp.payload.body) == 314159
    assert resp.payload.body == b"\0" * 314159


def test_client_compressed_unary(stub, pb):
    _, m, _ = pb
    # Probe: expect_compressed on an uncompressed request must fail with INVALID_ARGUMENT.
    with pytest.raises(grpc.RpcError) as e:
        stub.UnaryCall(m.SimpleRequest(expect_compressed=m.BoolValue(value=True), response_size=314159,
                                       payload=m.Payload(body=b"\0" * 271828)))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    resp = stub.UnaryCall(m.SimpleRequest(expect_compressed=m.BoolValue(value=True), response_size=314159,
                                          payload=m.Payload(body=b"\0" * 271828)), compression=grpc.Compression.Gzip)
    assert len(resp.payload.body) == 314159
    resp = stub.UnaryCall(m.SimpleRequest(expect_compressed=m.BoolValue(value=False), response_size=314159,
                                          payload=m.Payload(body=b"\0" * 271828)))
    assert len(resp.payload.body) == 314159


def test_server_compressed_unary(stub, pb):
    _, m, _ = pb
    for compressed in (True, False):
        resp, call = stub.UnaryCall.with_call(m.SimpleRequest(response_compressed=m.BoolValue(value=compressed),
                                                              response_size=314159, payload=m.Payload(body=b"\0" * 271828)))
        assert len(resp.payload.body) == 314159
        # grpcio hides the per-message flag (test_ux.py reads it from raw HTTP/2). The headers
        # announce gzip whenever the client accepts it, whether or not this message uses it.
        encodings = [v for k, v in call.initial_metadata() if k == "grpc-encoding"]
        assert encodings in (["gzip"], [])


def test_client_streaming(stub, pb):
    _, m, _ = pb
    sizes = [27182, 8, 1828, 45904]
    resp = stub.StreamingInputCall(iter([m.StreamingInputCallRequest(payload=m.Payload(body=b"\0" * n)) for n in sizes]))
    assert resp.aggregated_payload_size == 74922


def test_server_streaming(stub, pb):
    _, m, _ = pb
    sizes = [31415, 9, 2653, 58979]
    req = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=n) for n in sizes])
    got = [len(r.payload.body) for r in stub.StreamingOutputCall(req)]
    assert got == sizes


def test_ping_pong(stub, pb):
    _, m, _ = pb
    req_sizes = [27182, 8, 1828, 45904]
    resp_sizes = [31415, 9, 2653, 58979]
    q = []
    cond = threading.Condition()

    def requests():
        for i in range(4):
            yield m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=resp_sizes[i])],
                                               payload=m.Payload(body=b"\0" * req_sizes[i]))
            with cond:
                cond.wait_for(lambda: len(q) > i, timeout=10)

    for r in stub.FullDuplexCall(requests()):
        with cond:
            q.append(len(r.payload.body))
            cond.notify_all()
    assert q == resp_sizes


def test_empty_stream(stub, pb):
    assert list(stub.FullDuplexCall(iter([]))) == []


def test_status_code_and_message(stub, pb):
    _, m, _ = pb
    msg = "test status message"
    with pytest.raises(grpc.RpcError) as e:
        stub.UnaryCall(m.SimpleRequest(response_status=m.EchoStatus(code=2, message=msg)))
    assert e.value.code() == grpc.StatusCode.UNKNOWN and e.value.details() == msg
    with pytest.raises(grpc.RpcError) as e:
        list(stub.FullDuplexCall(iter([m.StreamingOutputCallRequest(response_status=m.EchoStatus(code=2, message=msg))])))
    assert e.value.code() == grpc.StatusCode.UNKNOWN and e.value.details() == msg


def test_special_status_message(stub, pb):
    _, m, _ = pb
    msg = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
    with pytest.raises(grpc.RpcError) as e:
        stub.UnaryCall(m.SimpleRequest(response_status=m.EchoStatus(code=2, message=msg)))
    assert e.value.code() == grpc.StatusCode.UNKNOWN
    assert e.value.details() == msg


def test_custom_metadata(stub, pb):
    _, m, _ = pb
    md = (("x-grpc-test-echo-initial", "test_initial_metadata_value"),
          ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
    resp, call = stub.UnaryCall.with_call(m.SimpleRequest(response_size=314159, payload=m.Payload(body=b"\0" * 271828)),
                                          metadata=md)
    assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in call.initial_metadata()
    assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in call.trailing_metadata()
    call = stub.FullDuplexCall(iter([m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=314159)],
                                                                  payload=m.Payload(body=b"\0" * 271828))]), metadata=md)
    assert [len(r.payload.body) for r in call] == [314159]
    assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in call.initial_metadata()
    assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in call.trailing_metadata()


def test_unimplemented_method(stub, pb):
    empty, _, _ = pb
    with pytest.raises(grpc.RpcError) as e:
        stub.UnimplementedCall(empty.Empty())
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_unimplemented_service(server, pb):
    empty, _, grpc_mod = pb
    with server.channel() as ch:
        with pytest.raises(grpc.RpcError) as e:
            grpc_mod.UnimplementedServiceStub(ch).UnimplementedCall(empty.Empty())
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_cancel_after_begin(stub, pb):
    _, m, _ = pb
    gate = threading.Event()

    def requests():
        gate.wait(5)
        return
        yield  # pragma: no cover

    fut = stub.StreamingInputCall.future(requests())
    fut.cancel()
    gate.set()
    assert fut.cancelled()
    with pytest.raises(grpc.FutureCancelledError):
        fut.result()


def test_cancel_after_first_response(stub, pb):
    _, m, _ = pb
    gate = threading.Event()

    def requests():
        yield m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=31415)],
                                           payload=m.Payload(body=b"\0" * 27182))
        gate.wait(5)

    call = stub.FullDuplexCall(requests())
    first = next(call)
    assert len(first.payload.body) == 31415
    call.cancel()
    gate.set()
    with pytest.raises(grpc.RpcError) as e:
        next(call)
    assert e.value.code() == grpc.StatusCode.CANCELLED


def test_timeout_on_sleeping_server(stub, pb):
    _, m, _ = pb
    gate = threading.Event()

    def requests():
        yield m.StreamingOutputCallRequest(payload=m.Payload(body=b"\0" * 27182))
        gate.wait(5)

    call = stub.FullDuplexCall(requests(), timeout=0.001)
    with pytest.raises(grpc.RpcError) as e:
        list(call)
    gate.set()
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_server_side_deadline(stub, pb):
    """The server, not only the client, enforces grpc-timeout: a slow stream ends with DEADLINE_EXCEEDED."""
    _, m, _ = pb
    req = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=1, interval_us=2_000_000)])
    t0 = time.monotonic()
    with pytest.raises(grpc.RpcError) as e:
        list(stub.StreamingOutputCall(req, timeout=0.3))
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - t0 < 1.9
