"""Drives a jobletd (started with --enable-interop-testing) through the calls whose code
scripts/gen-link-order.sh should place first: health, reflection, the interop TestService
methods the benchmarks use (unary plain and gzip, server streaming, bidi), a call a viewer may
not make, job queries. Messages are hand-encoded protobuf bytes, so no stubs are needed."""
import argparse
from concurrent.futures import ThreadPoolExecutor

import grpc


def creds(certs, identity):
    read = lambda name: open(f"{certs}/{name}", "rb").read()
    return grpc.ssl_channel_credentials(read("ca-cert.pem"), read(f"{identity}-client-key.pem"),
                                        read(f"{identity}-client-cert.pem"))


def call(channel, path, request=b"", **kw):
    try:
        return channel.unary_unary(path)(request, timeout=60, **kw)
    except grpc.RpcError as e:
        return e.code()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--certs", required=True)
    a = p.parse_args()
    target = f"127.0.0.1:{a.port}"
    opts = [("grpc.ssl_target_name_override", "localhost")]
    with grpc.secure_channel(target, creds(a.certs, "admin"), opts) as ch, \
            grpc.secure_channel(target, creds(a.certs, "viewer"), opts) as viewer:
        call(ch, "/grpc.health.v1.Health/Check")
        call(ch, "/grpc.testing.TestService/EmptyCall")
        unary = b"\x10\x80\x01"                      # SimpleRequest{response_size: 128}
        with ThreadPoolExecutor(8) as pool:          # concurrent calls: several streams at once
            list(pool.map(lambda _: call(ch, "/grpc.testing.TestService/UnaryCall", unary), range(400)))
        call(ch, "/grpc.testing.TestService/UnaryCall", unary, compression=grpc.Compression.Gzip)
        # StreamingOutputCallRequest{response_parameters: 64 × {size: 65536}}
        stream_req = b"\x12\x04\x08\x80\x80\x04" * 64
        for _ in ch.unary_stream("/grpc.testing.TestService/StreamingOutputCall")(stream_req, timeout=60):
            pass
        bidi = ch.stream_stream("/grpc.testing.TestService/FullDuplexCall")
        for _ in bidi(iter([b"\x12\x03\x08\x80\x01"] * 4), timeout=60):   # 4 × {size: 128}
            pass
        refl = ch.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
        for _ in refl(iter([b"\x3a\x00"]), timeout=60):                    # list_services: ""
            pass
        call(ch, "/joblet.JobService/ListJobs")
        call(ch, "/joblet.JobService/GetJobStatus", b"\x0a\x04nope")
        call(viewer, "/joblet.JobService/RunJob")                           # PERMISSION_DENIED
        call(ch, "/grpc.testing.TestService/NoSuchMethod")                  # UNIMPLEMENTED
    print("link-order-drive: done")


if __name__ == "__main__":
    main()
