#!/usr/bin/env bash
# Usage: fuzz/run-h2rpc-fuzz.sh [SECONDS] [extra libFuzzer flags…]
# Builds the HTTP/2+gRPC server-session fuzzer (fuzz/H2RPCFuzz) with swiftc, one module at a
# time (-sanitize=fuzzer,address), seeds fuzz/corpus-h2rpc/ with valid gRPC conversations, and
# runs libFuzzer for SECONDS (default 60). Crashes land in fuzz/out/h2rpc/.
# Needs `swift build` to have run once (for swift-log's checkout). Set JOBS=N for -jobs/-workers.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
secs=${1:-60}; shift || true
root=$PWD
out=$root/fuzz/out/h2rpc
mods=$out/modules
corpus=$root/fuzz/corpus-h2rpc
mkdir -p "$mods" "$corpus" "$out/cmods/CEventLoop" "$out/cmods/CTLSBuffer"
log=$root/.build/checkouts/swift-log/Sources/Logging
[ -d "$log" ] || { echo "run 'swift build' first (swift-log checkout missing)"; exit 1; }

# SwiftPM makes the C targets' module maps and objects; outside SwiftPM we write and build them.
for c in CEventLoop CTLSBuffer; do
  echo "module $c { header \"$root/Sources/$c/include/$c.h\" export * }" > "$out/cmods/$c/module.modulemap"
done
clang -c -g -O1 -I "$root/Sources/CEventLoop/include" -o "$out/CEventLoop.o" "$root/Sources/CEventLoop/shim.c"
clang -c -g -O1 -I "$root/Sources/CTLSBuffer/include" -o "$out/CTLSBuffer.o" "$root/Sources/CTLSBuffer/buffer.c"
inc=(-I "$mods" -I "$root/Sources/CNghttp2" -I "$root/Sources/COpenSSL" -I "$root/Sources/CZlib" -I "$out/cmods/CEventLoop"
     -I "$out/cmods/CTLSBuffer")
common=(-parse-as-library -g -Onone -wmo "${inc[@]}" -module-cache-path "$out/module-cache")

# module NAME FLAGS FILES…
module() {
  local name=$1 san=$2; shift 2
  local stamp="$mods/$name.swiftmodule"
  local newest; newest=$(ls -t "$@" "$0" | head -1)
  if [ -f "$stamp" ] && [ "$stamp" -nt "$newest" ]; then return; fi
  echo "== swiftc $name"
  nice swiftc "${common[@]}" $san -module-name "$name" -emit-module -emit-module-path "$stamp" \
    -c -o "$out/$name.o" "$@"
}
module Logging "-swift-version 5 -package-name swift_log" $(find "$log" -name '*.swift')
module ProtoWire "-swift-version 6 -package-name jobletd -sanitize=fuzzer,address" Sources/ProtoWire/*.swift
module JobletAPI "-swift-version 6 -package-name jobletd " Sources/JobletAPI/grpc_testing_*.pb.swift
module HTTP2 "-swift-version 6 -package-name jobletd -sanitize=fuzzer,address" Sources/HTTP2/*.swift
module TLS "-swift-version 6 -package-name jobletd " Sources/TLS/*.swift
module HTTP1 "-swift-version 6 -package-name jobletd " Sources/HTTP1/*.swift
module RPC "-swift-version 6 -package-name jobletd -sanitize=fuzzer,address -enable-testing" $(find Sources/RPC -name '*.swift')
bin=$out/h2rpc-fuzz
if [ ! -x "$bin" ] || [ -n "$(find fuzz/H2RPCFuzz "$mods" "$out/CEventLoop.o" "$out/CTLSBuffer.o" -newer "$bin" -print -quit)" ]; then
  echo "== link $bin"
  nice swiftc "${common[@]}" -swift-version 6 -sanitize=fuzzer,address -module-name H2RPCFuzz fuzz/H2RPCFuzz/*.swift \
    "$out"/{Logging,ProtoWire,JobletAPI,HTTP2,TLS,HTTP1,RPC,CEventLoop,CTLSBuffer}.o -lnghttp2 -lssl -lcrypto -lz -o "$bin"
fi

H2RPC_WRITE_SEEDS="$corpus" "$bin" >/dev/null 2>&1 || { echo "seed writing failed"; H2RPC_WRITE_SEEDS="$corpus" "$bin"; exit 1; }
echo "== fuzzing for ${secs}s; corpus $(ls "$corpus" | wc -l) files"
mkdir -p "$out/artifacts"
exec nice "$bin" "$corpus" -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"
