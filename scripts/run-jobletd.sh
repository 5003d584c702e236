#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and starts jobletd on its
# embedded defaults (127.0.0.1:50051, data in ./data, dev certificates in ./certs).
# It says what it is doing: a first build takes minutes and would otherwise look hung.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "run-jobletd: $*" >&2; }
say "[1/3] checking the Debian packages the build needs (scripts/install-deps.sh)"
scripts/install-deps.sh
# jobletd and joblet-init (each local job's pid 1; jobletd finds it next to its own executable),
# built as they are measured: Swift runtime linked statically, functions ordered (docs/benchmarks.md).
if [ -x .build-static/release/jobletd ]; then
  say "[2/3] building release binaries (scripts/build-release.sh; only what changed)"
else
  say "[2/3] building release binaries (scripts/build-release.sh): the first build takes several minutes"
fi
scripts/build-release.sh &
build=$!
started=$SECONDS
while kill -0 "$build" 2>/dev/null; do
  for _ in $(seq 1 30); do kill -0 "$build" 2>/dev/null || break; sleep 1; done
  kill -0 "$build" 2>/dev/null && say "      still building ($((SECONDS - started)) s so far)"
done
wait "$build" || { say "the build failed (errors above)"; exit 1; }
say "[3/3] starting .build-static/release/jobletd $* (Ctrl-C stops it; running jobs keep running)"
exec .build-static/release/jobletd "$@"
