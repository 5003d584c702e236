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

echo "== release build (what the README's first command runs; C libraries linked statically)"
scripts/build-release.sh
release=.build-static/release
if ldd "$release/jobletd" | grep -E "lib(ssl|crypto|nghttp2|sqlite3|z|stdc\+\+)\.so"; then
  echo "release jobletd links a shared library that scripts/link-static should have made static" >&2
  exit 1
fi
JOBLETD_BUILD="$PWD/$release" python3 -m pytest -q tests/python/test_interop.py tests/python/test_transport.py \
  tests/python/test_hostile.py tests/python/test_sdk_jobs.py tests/python/test_startup.py

echo "== soak: 2 minutes of mixed load with kill -9 chaos, then an account of every job and leak (bench/soak.sh)"
JOBLETD_BUILD="$PWD/$release" bench/soak.sh --minutes 2 --chaos

echo "== benchmark smoke: every bench/ script once, in its smallest form (bench/smoke.sh)"
bench/smoke.sh

echo "== fuzzing smoke: each libFuzzer target for ${FUZZ_SECONDS:-60} s from the committed seeds (fuzz/ci-smoke.sh)"
fuzz/ci-smoke.sh

echo "== real SkyPilot 0.14.1 API server on loopback (no cloud access): GPU jobs through the Joblet SDK"
JOBLETD="$PWD/.build/debug/jobletd" SKY_SMOKE="$(swift build --show-bin-path)/skypilot-smoke" \
  bash tests/skypilot/real_sky_test.sh
