#!/bin/bash
# A runtime's added RunJob → exec latency (docs/benchmarks.md, "Runtimes"): one debug jobletd with
# RUNTIME_DIR (an installed runtime's directory, e.g. a copy of the test runtime: a venv, one mount,
# PATH_PREPEND) installed; alternating jobs-bench latency runs with and without --runtime.
# Usage: RUNTIME_DIR=<dir> [N=150] bench/jobs/runtime-latency.sh   (needs swift build --build-tests)
set -e
cd "$(dirname "$0")/../.."
: "${RUNTIME_DIR:?set RUNTIME_DIR to the directory of an installed runtime}"
name=$(basename "$RUNTIME_DIR")
out=${OUT:-/tmp/jobletd-runtime-bench}; mkdir -p "$out"
cc -O2 -static -nostdlib -fno-stack-protector -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,norelro -Wl,-n -s -o "$out/stamp" bench/jobs/stamp.c
n=${N:-150}
[ -d $out/certs ] || scripts/gen-certs.sh $out/certs >/dev/null
data=$(mktemp -d /var/tmp/rt-lat.XXXXXX)
mkdir -p $data/d/runtimes && cp -a "$RUNTIME_DIR" $data/d/runtimes/
.build/debug/jobletd --address 127.0.0.1:0 --certs $out/certs --data $data/d --log-level warning > $data.out 2>$data.err &
pid=$!
for i in $(seq 50); do grep -q listening $data.out && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\) (mTLS.*/\1/p' $data.out)
for round in 1 2 3; do
  for rt in "" "$name"; do
    echo "round $round runtime '${rt}'"
    .build/debug/jobs-bench latency --n $n --stamp $out/stamp --target 127.0.0.1:$port --certs $out/certs ${rt:+--runtime $rt}
  done
done
kill $pid; wait $pid || true
rm -rf $data $data.out $data.err
