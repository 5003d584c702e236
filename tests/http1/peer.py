"""An HTTP/1.1 server with scripted misbehaviour, for RPC.HTTP1Client's tests (Tests/RPCTests/HTTP1Client).

Prints "PORT <n>" once listening on 127.0.0.1, then serves connections one at a time until killed.
Modes (--mode):
  echo      200, JSON body: the request line, headers and body as received
  chunked   200, chunked body: --size bytes (a counting pattern) in 64 KiB chunks, as fast as
            the socket takes them
  silent    reads the request, never answers (the client's deadline must end it)
  cut       a head promising 100 bytes, 10 bytes, then close
  garbage   a line that is not HTTP
With --tls DIR, wraps connections in TLS with DIR/server-cert.pem and DIR/server-key.pem.
Each connection's outcome is appended to --log (one line: "closed-early" when the client went
away before the body was sent in full, "complete" otherwise).
"""
import argparse
import json
import signal
import socket
import ssl
import sys
import threading


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return None
        data += part
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        part = conn.recv(65536)
        if not part:
            break
        rest += part
    return {"line": lines[0], "headers": headers, "body": rest.decode("utf-8", "replace")}


def pattern(size):
    block = bytes(range(256)) * 256  # 64 KiB
    sent = 0
    while sent < size:
        n = min(len(block), size - sent)
        yield block[:n]
        sent += n


def serve(conn, args, log):
    outcome = "complete"
    try:
        req = read_request(conn)
        if req is None:
            return
        if args.mode == "echo":
            body = json.dumps(req).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif args.mode == "chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for chunk in pattern(args.size):
                conn.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            conn.sendall(b"0\r\n\r\n")
        elif args.mode == "silent":
            threading.Event().wait(60)
        elif args.mode == "cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        elif args.mode == "garbage":
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        outcome = "closed-early"
    finally:
        try:
            conn.close()
        except OSError:
            pass
        if log:
            with open(log, "a") as f:
                f.write(outcome + "\n")


def main():
    # Started from a Swift concurrency thread, we inherit its blocked signals: let SIGTERM end us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    p = argparse.ArgumentParser()
    p.add_argument("--mode", required=True)
    p.add_argument("--size", type=int, default=1 << 20)
    p.add_argument("--tls")
    p.add_argument("--log")
    args = p.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls + "/server-cert.pem", args.tls + "/server-key.pem")
    print("PORT %d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        if ctx:
            try:
                conn = ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                if args.log:
                    with open(args.log, "a") as f:
                        f.write("handshake-failed\n")
                continue
        threading.Thread(target=serve, args=(conn, args, args.log), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
