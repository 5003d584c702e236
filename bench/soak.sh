#!/usr/bin/env bash
# Soak with chaos (docs/reliability.md): bench/soak.sh [--minutes N] [--chaos] [--out FILE]
# A bounded mixed load on loopback against one jobletd, kill -9 at random points with --chaos,
# then an account of every job and of what jobs can leave on the host; exits 1 on any problem.
# Needs root (jobs run in namespaces and cgroups). Uses .build/debug unless JOBLETD_BUILD names
# another folder with jobletd and joblet-init (e.g. .build-static/release).
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
if [ -z "${JOBLETD_BUILD:-}" ]; then
  [ -x .build/debug/jobletd ] && [ -x .build/debug/joblet-init ] || swift build --product jobletd >/dev/null
  [ -x .build/debug/joblet-init ] || swift build --product joblet-init >/dev/null
  export JOBLETD_BUILD="$PWD/.build/debug"
fi
exec python3 bench/soak/soak.py "$@"
