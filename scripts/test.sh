#!/usr/bin/env bash
# The README's second command: every test. Installs what it needs, builds, runs the Swift
# unit tests, then the Python suites against a real jobletd over mutual TLS.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
scripts/install-deps.sh --test

echo "== swift build (debug, all targets)"
swift build --build-tests
echo "== swift test"
# Serial on purpose: the JobletLinux tests create real cgroups and namespaces. Passing tests'
# per-case lines are filtered out; swift test's own status decides.
set +e
swift test --skip-build --disable-swift-testing 2>&1 | grep --line-buffered -vE "^Test Case '.*' (started|passed)"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "swift test failed (exit $status)"; exit "$status"; }

echo "== python suites (grpcio against jobletd)"
python3 -m pytest -q tests/python "$@"

echo "== real SkyPilot 0.14.1 API server on loopback (no cloud access): GPU jobs through the Joblet SDK"
JOBLETD="$PWD/.build/debug/jobletd" SKY_SMOKE="$(swift build --show-bin-path)/skypilot-smoke" \
  bash tests/skypilot/real_sky_test.sh
