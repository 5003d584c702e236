#!/bin/sh
# Builds the ProtoWire/JobletAPI decoder fuzzer with libFuzzer + ASan and runs it.
# Usage: fuzz/run-proto-fuzz.sh SECONDS [extra libFuzzer flags]
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"; shift || true
out=fuzz/out
corpus=fuzz/corpus-proto
mkdir -p "$out" "$corpus"
flags="-sanitize=fuzzer,address -parse-as-library -O -g"
# ProtoWire and JobletAPI as separate modules, exactly as SwiftPM splits them.
swiftc $flags -wmo -c -module-name ProtoWire -emit-module -emit-module-path "$out/ProtoWire.swiftmodule" \
    -o "$out/ProtoWire.o" Sources/ProtoWire/*.swift
swiftc $flags -wmo -c -module-name JobletAPI -I "$out" -emit-module -emit-module-path "$out/JobletAPI.swiftmodule" \
    -o "$out/JobletAPI.o" Sources/JobletAPI/*.swift
# The test fixture with every field shape (sint, fixed, float, all map key types, oneofs).
swiftc $flags -wmo -c -module-name AllTypesFixture -I "$out" -emit-module -emit-module-path "$out/AllTypesFixture.swiftmodule" \
    -o "$out/AllTypesFixture.o" Tests/ProtoWireTests/Generated/*.swift
swiftc $flags -I "$out" -o "$out/proto-decode-fuzz" fuzz/ProtoDecodeFuzz/main.swift \
    "$out/ProtoWire.o" "$out/JobletAPI.o" "$out/AllTypesFixture.o"
cd "$out"
SWIFT_BACKTRACE=enable=no ./proto-decode-fuzz -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    "$@" ../corpus-proto
