#!/usr/bin/env bash
# Transport benchmarks: jobletd (release, --enable-interop-testing) against the reference gRPC
# C++ server, side by side, with the kit in ../shared/bench. Prints compare.sh's tables; raw
# results land in $OUT (default bench/results-raw/<time>).
#   bench/transport.sh [unary|latency|stream|empty|memory ...]   (default: all)
# SMOKE=1: each workload for about a second (bench/smoke.sh; proves the script still works, no figure).
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${KIT:-../shared/bench}
OUT=${OUT:-bench/results-raw/$(date -u +%Y%m%dT%H%M%SZ)}
CERTS=${CERTS:-/tmp/jobletd-bench-certs}
mkdir -p "$OUT"
bash "$KIT/setup.sh" >/dev/null
scripts/gen-certs.sh "$CERTS" >/dev/null
scripts/build-release.sh
data=$(mktemp -d)
# PRELOAD=/path/to/lib.so runs jobletd with LD_PRELOAD (e.g. an allocator experiment).
${PRELOAD:+env LD_PRELOAD=$PRELOAD} .build-static/release/jobletd --address 127.0.0.1:0 --certs "$CERTS" --data "$data" --enable-interop-testing \
  --log-level warning > "$OUT/jobletd.stdout" 2> "$OUT/jobletd.stderr" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do grep -q listening "$OUT/jobletd.stdout" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\) .*/\1/p' "$OUT/jobletd.stdout")
T=(--target "127.0.0.1:$port" --certs "$CERTS" --target-pid "$pid" --out "$OUT")
S=(); STREAM=(--reps 5); CONNS=1000
if [[ ${SMOKE:-0} == 1 ]]; then S=(--reps 1 --duration 1 --warmup 0 --pause 0); STREAM=(--bytes 16777216); CONNS=50; fi
want=("${@:-memory unary latency empty stream}")
# shellcheck disable=SC2048
for w in ${want[*]}; do
  case $w in
    unary)   bash "$KIT/compare.sh" "${T[@]}" --method unary "${S[@]}" ;;
    latency) bash "$KIT/compare.sh" "${T[@]}" --method unary --channels 1 --inflight 1 "${S[@]}" ;;
    empty)   bash "$KIT/compare.sh" "${T[@]}" --method empty "${S[@]}" ;;
    stream)  bash "$KIT/compare.sh" "${T[@]}" --method stream "${STREAM[@]}" "${S[@]}" ;;
    memory)  python3 bench/idle_memory.py --pid "$pid" --port "$port" --certs "$CERTS" --connections "$CONNS" ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
