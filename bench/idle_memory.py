"""Idle memory of a running jobletd: RSS with no connections, then with N idle mTLS
connections (each completed its TLS and HTTP/2 handshake and one call), per connection."""
import argparse
import socket
import ssl
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_connection(port, ctx):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    tls = ctx.wrap_socket(raw, server_hostname="localhost")
    # HTTP/2 preface + empty SETTINGS; read the server's SETTINGS so the session exists.
    tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    tls.recv(1024)
    return tls


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--certs", required=True)
    p.add_argument("--connections", type=int, default=1000)
    a = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f"{a.certs}/ca-cert.pem")
    ctx.load_cert_chain(f"{a.certs}/admin-client-cert.pem", f"{a.certs}/admin-client-key.pem")
    ctx.set_alpn_protocols(["h2"])
    time.sleep(1)
    idle = rss_kib(a.pid)
    conns = [open_connection(a.port, ctx) for _ in range(a.connections)]
    time.sleep(2)
    loaded = rss_kib(a.pid)
    per = (loaded - idle) / a.connections
    print(f"== memory: jobletd RSS idle {idle / 1024:.1f} MiB; with {a.connections} idle mTLS+h2 connections "
          f"{loaded / 1024:.1f} MiB; {per:.1f} KiB per connection")
    for c in conns:
        c.close()


if __name__ == "__main__":
    main()
