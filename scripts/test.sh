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
swift test --skip-build --parallel --num-workers 2 2>&1 | tee /tmp/jobletd-swift-test.log | grep -vE '^(Test Case .* (started|passed))' || true
# tee/grep hide swift test's status: read it from the log instead.
if grep -qE "with [1-9][0-9]* failures?|error: .*fatal error|Exited with unexpected signal|\*\* TEST FAILED" /tmp/jobletd-swift-test.log; then
  echo "swift test failed"; exit 1
fi
grep -qE "Executed [0-9]+ tests?, with 0 failures" /tmp/jobletd-swift-test.log || { echo "swift test did not report a result"; exit 1; }

echo "== python suites (grpcio against jobletd)"
python3 -m pytest -q tests/python "$@"
