#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and starts jobletd on its
# embedded defaults (127.0.0.1:50051, data in ./data, dev certificates in ./certs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# jobletd and joblet-init (each local job's pid 1; jobletd finds it next to its own executable),
# built as they are measured: Swift runtime linked statically, functions ordered (docs/benchmarks.md).
scripts/build-release.sh
exec .build-static/release/jobletd "$@"

