#!/usr/bin/env bash
# Fuzzing in CI: every libFuzzer target for FUZZ_SECONDS (default 60) from the committed seed
# corpus (fuzz/seeds/<target>/, plus the seeds a target's script writes itself). Fails on any
# finding; prints each target's executions. Needs one `swift build` first (the swift-log and Yams checkouts).
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
secs=${FUZZ_SECONDS:-60}
status=0
for t in proto http1 h2rpc workflow-yaml server-config rnx-config runtime-yaml; do
  mkdir -p "fuzz/corpus-$t"
  [ -d "fuzz/seeds/$t" ] && cp -n "fuzz/seeds/$t"/* "fuzz/corpus-$t/" 2>/dev/null || true
  log=$(mktemp /tmp/jobletd-fuzz-$t.XXXXXX)
  start=$(date +%s)
  if "fuzz/run-$t-fuzz.sh" "$secs" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz $t: ${execs:-?} executions in ${secs} s, no finding ($(( $(date +%s) - start )) s with the build)"
  else
    echo "fuzz $t: FINDING or failure; the last lines of its output:" >&2
    tail -40 "$log" >&2
    status=1
  fi
  rm -f "$log"
done
exit $status
