#!/usr/bin/env bash
# Job networks (issue 15): launch latency and throughput with the default `bridge` network next to
# `host`, a long run of launches on `bridge` (namespaces torn down as they go), and TCP throughput
# between two jobs on one network next to the host's loopback.
#   bench/jobs/networks.sh                         debug builds (swift build --build-tests first)
#   BIN=.build-static/release bench/jobs/networks.sh   the release build (scripts/build-release.sh)
# Env: N_LAT (200), N_LAUNCH (2000), LONG (5000: the long run, in rounds of 1000), MB (512: TCP).
# Needs root. Everything is on loopback or on the bridges jobletd makes; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
N_LAT=${N_LAT:-200}; N_LAUNCH=${N_LAUNCH:-2000}; LONG=${LONG:-5000}; MB=${MB:-512}
BIN=${BIN:-.build/debug}
# BIN=.build-static/release: the release build, made here (with the load client) if needed; rnx,
# which only sets up the TCP test, is the debug one.
RNX_BIN=$BIN
if [[ $BIN == .build-static/release ]]; then
  scripts/build-release.sh jobs-bench >/dev/null
  RNX_BIN=.build/debug
  [[ -x $RNX_BIN/rnx ]] || swift build --product rnx >/dev/null
fi
work=$(mktemp -d /var/tmp/netbench.XXXXXX)
scripts/gen-certs.sh "$work/certs" >/dev/null
cc -O2 -static -nostdlib -fno-stack-protector -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,norelro -Wl,-n -s \
  -o "$work/stamp" bench/jobs/stamp.c
pid=""
stop_server() { [[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; pid=""; }
cleanup() {
  stop_server
  for dir in "$work"/data-*/jobs/*/; do
    [[ -d $dir ]] || continue
    procs=/sys/fs/cgroup/memory/joblet/$(basename "$dir")/cgroup.procs
    [[ -s $procs ]] && xargs -r kill -9 < "$procs" 2>/dev/null || true
  done
  ip link del jb-nbench 2>/dev/null || true
  for v in "$work"/data-*/volumes; do [[ -d $v ]] && umount -l "$v" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start_server() {  # $1: jobs.defaultNetwork
  printf "jobs:\n  defaultNetwork: %s\n" "$1" > "$work/$1.yml"
  "$BIN/jobletd" --address 127.0.0.1:0 --certs "$work/certs" --data "$work/data-$1" --config "$work/$1.yml" \
    --log-level warning > "$work/$1.out" 2> "$work/$1.err" &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$work/$1.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$work/$1.out")
  [[ -n $port ]] || { cat "$work/$1.err"; exit 1; }
  T=(--target "127.0.0.1:$port" --certs "$work/certs")
}
echo "# $(date -u +%FT%TZ) $(nproc) cores; $(uptime)"
for net in host bridge; do
  start_server "$net"
  echo "## network $net: latency (submit -> exec), launch ($N_LAUNCH x true, 32 in flight)"
  "$BIN/jobs-bench" latency "${T[@]}" --n "$N_LAT" --warmup 10 --stamp "$work/stamp" --wait 120
  "$BIN/jobs-bench" launch "${T[@]}" --n "$N_LAUNCH" --concurrency 32 --channels 2 --wait 300 -- true
  if [[ $net == bridge ]]; then
    echo "## network bridge: $LONG launches in rounds of 1000 (does it slow down as namespaces come and go?)"
    for _ in $(seq $((LONG / 1000))); do
      "$BIN/jobs-bench" launch "${T[@]}" --n 1000 --concurrency 32 --channels 2 --wait 300 -- true
    done
    echo "## TCP between two jobs on one network, $MB MiB"
    rnx=("$RNX_BIN/rnx" --server "127.0.0.1:$port" --cert "$work/certs/admin-client-cert.pem" \
         --key "$work/certs/admin-client-key.pem" --ca "$work/certs/ca-cert.pem")
    "${rnx[@]}" network create nbench --cidr 10.232.0.0/24 >/dev/null
    sink=$("${rnx[@]}" run --network nbench --name sink python3 -c '
import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 7001)); s.listen(1)
c, _ = s.accept(); n = 0; t = time.monotonic()
while True:
    b = c.recv(1 << 20)
    if not b: break
    n += len(b)
print("job-to-job MiB/s", round(n / (1 << 20) / (time.monotonic() - t)))' | grep -oE '[0-9a-f]{8}-[0-9a-f-]{27}' | head -1)
    sleep 1
    "${rnx[@]}" run --network nbench -f python3 -c "
import socket, time
for _ in range(50):
    try:
        c = socket.create_connection(('sink', 7001)); break
    except OSError: time.sleep(0.1)
b = b'x' * (1 << 20)
for _ in range($MB): c.sendall(b)
c.close()" >/dev/null
    sleep 1
    "${rnx[@]}" log "$sink"
    python3 - "$MB" <<'PY'
import socket, sys, threading, time
mb = int(sys.argv[1]); s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
out = {}
def sink():
    c, _ = s.accept(); n = 0; t = time.monotonic()
    while True:
        b = c.recv(1 << 20)
        if not b: break
        n += len(b)
    out["r"] = round(n / (1 << 20) / (time.monotonic() - t))
th = threading.Thread(target=sink); th.start()
c = socket.create_connection(s.getsockname()); b = b"x" * (1 << 20)
for _ in range(mb): c.sendall(b)
c.close(); th.join(); print("host loopback MiB/s", out["r"])
PY
    "${rnx[@]}" network remove nbench >/dev/null
  fi
  stop_server
done
