#!/bin/sh
# Builds the HTTP/1.1 response-parser fuzzer (fuzz/HTTP1ParseFuzz) with libFuzzer + ASan and runs it.
# Usage: fuzz/run-http1-fuzz.sh SECONDS [extra libFuzzer flags]
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"; shift || true
out=fuzz/out
corpus=fuzz/corpus-http1
mkdir -p "$out" "$corpus"
flags="-sanitize=fuzzer,address -parse-as-library -O -g"
swiftc $flags -wmo -c -module-name HTTP1 -emit-module -emit-module-path "$out/HTTP1.swiftmodule" \
    -o "$out/HTTP1.o" Sources/HTTP1/*.swift
swiftc $flags -I "$out" -o "$out/http1-parse-fuzz" fuzz/HTTP1ParseFuzz/main.swift "$out/HTTP1.o"
# Seeds: a Content-Length, a chunked and a read-until-close response.
printf '\000HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' > "$corpus/seed-length"
printf '\000HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n' > "$corpus/seed-chunked"
printf '\000HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close' > "$corpus/seed-close"
cd "$out"
SWIFT_BACKTRACE=enable=no ./http1-parse-fuzz -max_total_time="$seconds" -max_len=2048 -print_final_stats=1 \
    "$@" ../corpus-http1
