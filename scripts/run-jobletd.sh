#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and starts jobletd on its
# embedded defaults (127.0.0.1:50051, data in ./data, dev certificates in ./certs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The Swift runtime linked statically: smaller resident memory (docs/benchmarks.md).
swift build -c release --product jobletd --static-swift-stdlib --scratch-path .build-static
# Each local job's pid 1; jobletd finds it next to its own executable.
swift build -c release --product joblet-init --static-swift-stdlib --scratch-path .build-static
exec .build-static/release/jobletd "$@"

