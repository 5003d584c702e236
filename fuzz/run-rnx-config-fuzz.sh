#!/usr/bin/env bash
# Usage: fuzz/run-rnx-config-fuzz.sh [SECONDS] [extra libFuzzer flags…]
# Builds the rnx-config fuzzer (fuzz/RnxConfigFuzz: RnxConfig(parsing:path:), compiled as a small
# JobletClient of RnxConfig, PEMSource, JobletClientError and ServerAddress over Yams and RPC) with
# libFuzzer + ASan via fuzz/yaml-build.sh, and runs it for SECONDS (default 60) on
# fuzz/corpus-rnx-config/ (seeded from fuzz/seeds/rnx-config/).
source "$(dirname "$0")/yaml-build.sh"
secs=${1:-60}; shift || true
yaml_build_yams
yaml_build_rpc
module JobletClient "-swift-version 6 -package-name jobletd $san" \
  Sources/JobletClient/{RnxConfig,PEMSource,JobletClientError,ServerAddress}.swift
bin=$yout/rnx-config-fuzz
yaml_link "$bin" fuzz/RnxConfigFuzz "$yout/JobletClient.o" "${rpc_objs[@]}" "${rpc_libs[@]}"
corpus=$root/fuzz/corpus-rnx-config
mkdir -p "$corpus"
cp -n fuzz/seeds/rnx-config/* "$corpus/" 2>/dev/null || true
echo "== fuzzing for ${secs}s; corpus $(ls "$corpus" | wc -l) files"
exec nice -n 19 "$bin" "$corpus" -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$yout/artifacts/rnx-config-" -print_final_stats=1 "$@"
