"""Job networks (issue 15), as root with real namespaces, veths, bridges and nftables rules: every
job has a network namespace of its own (on the NAT'd `bridge` network unless it names `isolated`,
`none`, `host` or a custom network); jobs on one network reach each other by name and address,
jobs on different networks or on `isolated` do not. Through the official SDK's network methods
and `network=`. Only addresses and namespaces the tests make are touched; custom bridges go with
their networks (the built-in joblet0 and joblet-iso stay, like docker0)."""
import re
import signal
import socket
import subprocess
import time

import grpc
import pytest

from jobhelpers import bounded_time, logs, run_to_end, sdk, sdk_fails, wait_status
from netvolhelpers import ServerDir, delete_link, kill_job, link_exists, stop_cleanly

TIME_LIMIT = 90

# Listens on port 7000 and answers each connection "pong <what it got>"; prints its address once
# it listens.
SERVER = r"""
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000))
s.listen(8)
# The address eth0 sends from, by the default route (a UDP connect sends nothing). Not a name
# lookup: a job id of eight digits, as its hostname, would resolve as a number.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("192.0.2.1", 9))
print("addr", u.getsockname()[0], flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"pong " + c.recv(64))
    c.close()
"""

# Connects to each argument (host:port), retrying for 2.5 s (a loaded CI host); prints what it got or why not.
CLIENT = r"""
import socket, sys, time
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    deadline, result = time.monotonic() + 2.5, None
    while result is None:
        try:
            c = socket.create_connection((host, int(port)), timeout=2.0)
            c.sendall(target.encode())
            result = c.recv(64).decode()
        except OSError as e:
            if time.monotonic() > deadline:
                result = "failed " + type(e).__name__
            else:
                time.sleep(0.1)
    print(target, "->", result, flush=True)
"""

CUSTOM = {"nva": "10.231.1.0/24", "nvb": "10.231.2.0/24", "nvfull": "10.231.4.0/29", "nvbusy": "10.231.5.0/24",
          "nvcli": "10.231.6.0/24", "nvreuse": "10.231.7.0/24"}


@pytest.fixture(scope="module")
def home(certs):
    d = ServerDir(certs, "jobletd-pytest-networks-")
    yield d
    for name in CUSTOM:
        delete_link("jb-" + name)
    delete_link("nvdummy")
    d.cleanup()


@pytest.fixture(scope="module")
def server(home, stubs):
    s = home.start()
    yield s
    if s.alive():
        c = sdk(s)
        for j in c.jobs.list_jobs():
            if j["status"] in ("RUNNING", "INITIALIZING"):
                c.jobs.stop_job(j["uuid"] if "uuid" in j else j["id"])
        for n in c.networks.list_networks():
            if n["name"] in CUSTOM:
                try:
                    c.networks.remove_network(n["name"])
                except Exception:
                    pass
        c.close()
    stop_cleanly(s)


@pytest.fixture(scope="module")
def client(server):
    c = sdk(server)
    yield c
    c.close()


def network(client, name):
    return next((n for n in client.networks.list_networks() if n["name"] == name), None)


def start_listener(client, server, **kw):
    """A job running SERVER; returns (uuid, its address) once it printed it."""
    job = client.jobs.run_job("python3", ["-c", SERVER], **kw)
    uuid = job["job_uuid"]
    wait_status(client, uuid, ("RUNNING",))
    deadline = time.monotonic() + 10
    while True:
        st = client.jobs.get_job_status(uuid)
        out = logs_now(server, uuid)
        m = re.search(r"addr (\S+)", out)
        if m:
            return uuid, m.group(1)
        assert st["status"] == "RUNNING" and time.monotonic() < deadline, f"listener: {st['status']} {out!r}"
        time.sleep(0.05)


def logs_now(server, uuid):
    """What a running job has written so far (GetJobLogs follows a running job: read with a deadline)."""
    import joblet_pb2, joblet_pb2_grpc
    out = b""
    ch = server.channel()
    try:
        stream = joblet_pb2_grpc.JobServiceStub(ch).GetJobLogs(joblet_pb2.GetJobLogsReq(uuid=uuid), timeout=0.5)
        for chunk in stream:
            out += chunk.payload
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, e
    finally:
        ch.close()
    return out.decode()


def stop(client, uuid):
    client.jobs.stop_job(uuid)
    wait_status(client, uuid)


def test_built_in_networks_are_listed(client):
    listed = {n["name"]: n for n in client.networks.list_networks()}
    assert listed["bridge"]["cidr"] == "172.20.0.0/16" and listed["bridge"]["bridge"] == "joblet0"
    assert listed["isolated"]["cidr"] == "172.21.0.0/16" and listed["isolated"]["bridge"] == "joblet-iso"
    assert listed["none"]["cidr"] == "" and listed["host"]["bridge"] == ""
    assert link_exists("joblet0") and link_exists("joblet-iso")


def test_a_default_job_has_its_own_namespace_address_and_hosts(client):
    st, out = run_to_end(client, "sh", ["-c", "cat /proc/net/dev | cut -d: -f1 | tail -n +3; cat /etc/hosts; "
                                              "python3 -c 'import socket; print(\"me\", socket.gethostbyname(\"web-1\"))'"],
                         name="web-1")
    assert st["status"] == "COMPLETED", out
    names = out.split("127.0.0.1")[0].split()
    assert sorted(names) == ["eth0", "lo"], out
    me = re.search(r"me (\S+)", out).group(1)
    assert me.startswith("172.20.") and me != "172.20.0.1", out
    assert re.search(rf"^{re.escape(me)}\s+\S+ web-1$", out, re.M), out
    # Its address is free again once it ended.
    assert network(client, "bridge")["job_count"] == 0


def test_none_has_only_loopback(client):
    st, out = run_to_end(client, "sh", ["-c", "cut -d: -f1 /proc/net/dev | tail -n +3"], network="none")
    assert st["status"] == "COMPLETED" and out.split() == ["lo"], out


def test_a_default_job_cannot_reach_the_hosts_loopback(client):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    try:
        _, out = run_to_end(client, "python3", ["-c", CLIENT, f"127.0.0.1:{port}"])
        assert "failed ConnectionRefusedError" in out, out
        _, out = run_to_end(client, "python3", ["-c", CLIENT, f"127.0.0.1:{port}"], network="isolated")
        assert "failed" in out, out
        # The same probe on `host` gets through: the probe can tell.
        listener.settimeout(10)
        job = client.jobs.run_job("python3", ["-c", CLIENT, f"127.0.0.1:{port}"], network="host")
        conn, _ = listener.accept()
        conn.sendall(b"pong " + conn.recv(64))
        conn.close()
        wait_status(client, job["job_uuid"])
        assert "-> pong" in logs(client, job["job_uuid"]).decode()
    finally:
        listener.close()


def test_jobs_on_one_network_talk_by_name_and_address_and_other_networks_cannot(client, server):
    for name in ("nva", "nvb"):
        assert client.networks.create_network(name, CUSTOM[name]) == {"name": name, "cidr": CUSTOM[name], "bridge": "jb-" + name}
        assert link_exists("jb-" + name)
    srv, addr = start_listener(client, server, name="srv", network="nva")
    assert addr.startswith("10.231.1."), addr
    try:
        st, out = run_to_end(client, "python3", ["-c", CLIENT, "srv:7000", f"{addr}:7000"], name="cli", network="nva")
        assert f"srv:7000 -> pong srv:7000" in out and f"{addr}:7000 -> pong {addr}:7000" in out, out
        # The listener's /etc/hosts learned the client's name (rewritten in place).
        assert "cli" in (server.data / "jobs" / srv / "hosts").read_text()
        assert network(client, "nva")["job_count"] == 1
        # From another network, and from `isolated`, the address is unreachable.
        _, out = run_to_end(client, "python3", ["-c", CLIENT, f"{addr}:7000"], network="nvb")
        assert "failed" in out, out
        _, out = run_to_end(client, "python3", ["-c", CLIENT, f"{addr}:7000"], network="isolated")
        assert "failed" in out, out
        # From the default bridge the name is unknown and the address unreachable.
        _, out = run_to_end(client, "python3", ["-c", CLIENT, "srv:7000", f"{addr}:7000"])
        assert out.count("failed") == 2, out
    finally:
        stop(client, srv)
    assert network(client, "nva")["job_count"] == 0


def test_isolated_jobs_cannot_reach_each_other(client, server):
    srv, addr = start_listener(client, server, network="isolated")
    assert addr.startswith("172.21."), addr
    try:
        _, out = run_to_end(client, "python3", ["-c", CLIENT, f"{addr}:7000"], network="isolated")
        assert "failed" in out, out
    finally:
        stop(client, srv)
    # The same pair on a bridged network does talk: the probe can tell. (A network of this test's
    # own: another jobletd on this host may hand out the default bridge's addresses too.)
    if not network(client, "nva"):
        client.networks.create_network("nva", CUSTOM["nva"])
    srv, addr = start_listener(client, server, network="nva")
    try:
        _, out = run_to_end(client, "python3", ["-c", CLIENT, f"{addr}:7000"], network="nva")
        assert "-> pong" in out, out
    finally:
        stop(client, srv)


def test_bad_networks_are_refused(client, server):
    fails = lambda code, *a: sdk_fails(client.networks.create_network, code, *a)
    if not network(client, "nva"):
        client.networks.create_network("nva", CUSTOM["nva"])
    assert "overlaps network 'nva'" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "10.231.1.128/25")
    assert "overlaps network 'nva'" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "10.231.0.0/16")
    assert "overlaps network 'bridge'" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "172.20.9.0/24")
    assert "host bits" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "10.231.9.1/24")
    assert "private" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "8.8.8.0/24")
    assert "/16" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "10.0.0.0/8")
    for bad in ["10.231.9.0", "10.231.9/24", "10.231.9.0/33", "ten/24", ""]:
        assert "CIDR" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", bad)
    assert "15-character" in fails(grpc.StatusCode.INVALID_ARGUMENT, "abcdefghijklm", "10.231.9.0/24")
    assert "name" in fails(grpc.StatusCode.INVALID_ARGUMENT, "bad name", "10.231.9.0/24")
    assert "exists" in fails(grpc.StatusCode.ALREADY_EXISTS, "nva", "10.231.9.0/24")
    assert "built in" in fails(grpc.StatusCode.ALREADY_EXISTS, "bridge", "10.231.9.0/24")
    # A route of the host's (on an interface this test makes) is not taken either.
    subprocess.run(["ip", "link", "add", "nvdummy", "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "addr", "add", "10.231.99.1/24", "dev", "nvdummy"], check=True)
        subprocess.run(["ip", "link", "set", "nvdummy", "up"], check=True)
        assert "route" in fails(grpc.StatusCode.INVALID_ARGUMENT, "nvc", "10.231.99.0/24")
    finally:
        delete_link("nvdummy")
    assert not link_exists("jb-nvc")
    assert "built in" in sdk_fails(client.networks.remove_network, grpc.StatusCode.FAILED_PRECONDITION, "bridge")
    assert "not found" in sdk_fails(client.networks.remove_network, grpc.StatusCode.NOT_FOUND, "nvc")
    msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.INVALID_ARGUMENT, "true", network="nvc")
    assert "nvc" in msg and "nva" in msg and "bridge" in msg, msg
    viewer = sdk(server, "viewer")
    assert any(n["name"] == "nva" for n in viewer.networks.list_networks())
    sdk_fails(viewer.networks.create_network, grpc.StatusCode.PERMISSION_DENIED, "nvc", "10.231.9.0/24")
    sdk_fails(viewer.networks.remove_network, grpc.StatusCode.PERMISSION_DENIED, "nva")
    viewer.close()


def test_remove_in_use_is_refused_and_removal_takes_the_bridge_and_rules(client):
    client.networks.create_network("nvbusy", CUSTOM["nvbusy"])
    assert "jb-nvbusy" in subprocess.run(["nft", "list", "table", "ip", "jobletd"], capture_output=True, text=True).stdout
    job = client.jobs.run_job("sleep", ["30"], network="nvbusy")
    wait_status(client, job["job_uuid"], ("RUNNING",))
    assert network(client, "nvbusy")["job_count"] == 1
    msg = sdk_fails(client.networks.remove_network, grpc.StatusCode.FAILED_PRECONDITION, "nvbusy")
    assert "1 job" in msg, msg
    stop(client, job["job_uuid"])
    assert client.networks.remove_network("nvbusy")["success"] is True
    assert not link_exists("jb-nvbusy") and network(client, "nvbusy") is None
    assert "jb-nvbusy" not in subprocess.run(["nft", "list", "table", "ip", "jobletd"], capture_output=True, text=True).stdout


def test_an_ended_jobs_namespace_serves_the_next_job_and_goes_with_its_network(client):
    """jobs.recycledNamespaces (default 32): the next job on a network joins the namespace an ended
    one left (no new veth), with its own address; removing the network closes the kept ones."""
    client.networks.create_network("nvreuse", CUSTOM["nvreuse"])
    show = "python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((\"10.231.7.1\", 9)); print(\"addr\", s.getsockname()[0])'"
    uuids, addrs = [], []
    for _ in range(2):
        job = client.jobs.run_job("sh", ["-c", show], network="nvreuse")
        st = wait_status(client, job["job_uuid"])
        out = logs(client, job["job_uuid"]).decode()
        assert st["status"] == "COMPLETED", out
        uuids.append(job["job_uuid"])
        addrs.append(re.search(r"addr (\S+)", out).group(1))
    assert all(a.startswith("10.231.7.") and a != "10.231.7.1" for a in addrs), addrs
    first, second = ("vj" + u.replace("-", "")[:8] for u in uuids)
    assert link_exists(first), "the first job's veth stays, its namespace kept for the next job"
    assert not link_exists(second), "the second job joined the first one's namespace: no veth of its own"
    assert network(client, "nvreuse")["job_count"] == 0
    # Its address is free for the next job (the kept namespace holds none).
    st, out = run_to_end(client, "sh", ["-c", show], network="nvreuse")
    assert st["status"] == "COMPLETED" and re.search(r"addr (\S+)", out).group(1) == addrs[0], (addrs, out)
    client.networks.remove_network("nvreuse")
    deadline = time.monotonic() + 10
    while link_exists(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not link_exists(first), "the kept namespace went with its network"


def test_a_full_network_is_resource_exhausted(client):
    client.networks.create_network("nvfull", CUSTOM["nvfull"])  # a /29: gateway and 5 jobs
    jobs = [client.jobs.run_job("sleep", ["30"], network="nvfull")["job_uuid"] for _ in range(5)]
    try:
        for j in jobs:
            wait_status(client, j, ("RUNNING",))
        msg = sdk_fails(client.jobs.run_job, grpc.StatusCode.RESOURCE_EXHAUSTED, "true", network="nvfull")
        assert "nvfull" in msg and "full" in msg, msg
    finally:
        for j in jobs:
            stop(client, j)
    st, _ = run_to_end(client, "true", [], network="nvfull")
    assert st["status"] == "COMPLETED"
    client.networks.remove_network("nvfull")


def test_networks_and_addresses_survive_kill_9_and_a_reboot(certs, stubs):
    home = ServerDir(certs, "jobletd-pytest-networks-restart-")
    started, s = [], None
    try:
        s = home.start()
        c = sdk(s)
        c.networks.create_network("nvr", "10.231.3.0/24")
        srv, addr = start_listener(c, s, name="keeper", network="nvr")
        started.append(srv)
        c.close()
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(timeout=10)
        s.log.close()

        s = home.start()
        c = sdk(s)
        assert network(c, "nvr") == {"name": "nvr", "cidr": "10.231.3.0/24", "bridge": "jb-nvr", "job_count": 1}
        assert c.jobs.get_job_status(srv)["status"] == "RUNNING"
        st, out = run_to_end(c, "sh", ["-c", "python3 -c \"$0\" keeper:7000; grep -c keeper /etc/hosts", CLIENT], network="nvr")
        assert "keeper:7000 -> pong" in out, out
        assert addr not in out.split("->")[0], out
        stop(c, srv)
        c.close()
        stop_cleanly(s)

        # A reboot loses bridges and rules: the next start makes them again from the database.
        delete_link("jb-nvr")
        subprocess.run(["nft", "delete", "table", "ip", "jobletd"], capture_output=True)
        s = home.start()
        c = sdk(s)
        assert link_exists("jb-nvr")
        assert network(c, "nvr")["job_count"] == 0
        srv, addr = start_listener(c, s, name="again", network="nvr")
        started.append(srv)
        st, out = run_to_end(c, "python3", ["-c", CLIENT, "again:7000"], network="nvr")
        assert "-> pong" in out, out
        stop(c, srv)
        c.networks.remove_network("nvr")
        assert not link_exists("jb-nvr")
        c.close()
        stop_cleanly(s)
    finally:
        if s is not None and s.alive():
            s.proc.kill()
            s.proc.wait(timeout=10)
        for uuid in started:
            kill_job(uuid)
        delete_link("jb-nvr")
        home.cleanup()


def test_rnx_network_commands_and_run_network(server):
    from test_rnx import rnx
    r = rnx("network", "create", "nvcli", "--cidr", "10.231.6.0/24", server=server)
    try:
        assert r.returncode == 0 and "jb-nvcli" in r.stdout, r
        r = rnx("network", "list", server=server)
        assert re.search(r"^nvcli\s+10\.231\.6\.0/24\s+jb-nvcli\s+0$", r.stdout, re.M), r.stdout
        assert re.search(r"^none\s+-\s+-\s+0$", r.stdout, re.M), r.stdout
        r = rnx("run", "--network", "nvcli", "-f", "sh", "-c", "grep eth0 /proc/net/dev >/dev/null && hostname -I", server=server)
        assert r.returncode == 0 and r.stdout.strip().startswith("10.231.6."), r
        r = rnx("network", "create", "nvcli2", "--cidr", "10.231.6.0/25", server=server)
        assert r.returncode != 0 and "overlaps" in r.stderr, r
    finally:
        r = rnx("network", "remove", "nvcli", server=server)
    assert r.returncode == 0, r
    assert not link_exists("jb-nvcli")
