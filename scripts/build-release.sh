#!/usr/bin/env bash
# Usage: scripts/build-release.sh [PRODUCT ...]
# The release build that runs and is measured: jobletd and joblet-init (and any PRODUCT named)
# into .build-static/release, the Swift runtime linked statically and every Swift function in
# a section of its own (-function-sections), so that lld can place the functions listed in
# Sources/jobletd/jobletd.order together (Package.swift; docs/benchmarks.md, "Idle memory").
# OpenSSL, nghttp2, SQLite, zlib and libstdc++ are linked statically too, from the archives the
# same Debian -dev packages ship (scripts/link-static/README says how and why).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib --scratch-path .build-static -Xswiftc -Xfrontend -Xswiftc -function-sections
       -Xswiftc -L"$PWD/scripts/link-static")
# Our .pc files name scripts/link-static as the library directory of openssl and libnghttp2, so
# it comes first on the link line, before the system's library directory.
export PKG_CONFIG_PATH="$PWD/scripts/link-static/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# SwiftPM does not recompile a module whose sources are unchanged when only the command-line
# flags changed; start .build-static afresh when they differ from the last build's.
if [ -d .build-static ] && [ "$(cat .build-static/jobletd-build-flags 2>/dev/null)" != "${flags[*]}" ]; then
  echo "build-release: build flags changed; rebuilding .build-static from scratch" >&2
  rm -rf .build-static
fi
log=$(mktemp /tmp/jobletd-build-release.XXXXXX)
trap 'rm -f "$log"' EXIT
for product in jobletd joblet-init "$@"; do
  if ! swift build "${flags[@]}" --product "$product" >"$log" 2>&1; then
    grep -v "warning: the use of \`mktemp'" "$log" | grep -E -A6 "error:" | head -60 >&2
    echo "build-release: building $product failed (the errors are above)" >&2
    exit 1
  fi
  tail -1 "$log"
done
echo "${flags[*]}" > .build-static/jobletd-build-flags
