#!/usr/bin/env bash
# Every benchmark script once, in its smallest form (SMOKE=1), so none of them rots: .ci/run runs
# this after the release build. No figure is judged here; docs/benchmarks.md has the real runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export SMOKE=1
run() {
  local name=$1; shift
  local log; log=$(mktemp /tmp/jobletd-bench-smoke.XXXXXX)
  local t0; t0=$(date +%s)
  if "$@" >"$log" 2>&1; then
    echo "bench smoke $name: ok ($(( $(date +%s) - t0 )) s)"
  else
    echo "bench smoke $name: FAILED; the last lines:" >&2
    tail -30 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
OUT=$(mktemp -d /tmp/jobletd-bench-smoke-out.XXXXXX)
export OUT
run jobs bench/jobs/run.sh
run transport bench/transport.sh
build=${JOBLETD_BUILD:-$PWD/.build-static/release}
run workflows python3 bench/workflows/run.py --build "$build" --reps 1 --size 20
run monitoring python3 bench/monitoring/monitoring_bench.py --build "$build" --jobs 20 --calls 20 --idle-seconds 2
# A runtime's added latency: a one-mount runtime made here (the debug build's jobletd and jobs-bench).
rt=$(mktemp -d /tmp/jobletd-smoke-rt.XXXXXX)
mkdir -p "$rt/smoke-rt-1.0/isolated/opt/smoke"
printf 'name: smoke-rt-1.0\nlanguage: none\nversion: "1.0"\nmounts:\n  - {source: isolated/opt/smoke, target: /opt/smoke}\n' \
  > "$rt/smoke-rt-1.0/runtime.yml"
run runtime-latency env RUNTIME_DIR="$rt/smoke-rt-1.0" N=5 bench/jobs/runtime-latency.sh
rm -rf "$rt"
# Job networks: latency, launches and TCP between two jobs, in their smallest form.
run networks env N_LAT=10 N_LAUNCH=20 LONG=0 MB=8 bench/jobs/networks.sh
# Artifacts: DownloadArtifact next to GetJobLogs, and keeping one, with 16 MiB instead of 1 GiB.
run training python3 bench/training/artifact_bench.py --reps 1 --mib 16
rm -rf "$OUT"
